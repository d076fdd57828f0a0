import Foundation
import KAMClient
import KAMProtocol
import Testing

/// Retries lose nothing: acknowledgements clear only what was sent, and a pulled
/// record the replica cannot store never moves the cursor past it.
@Suite("Safe retries")
struct SafeRetryTests {
    static let zhao = ReplicaID(rawValue: "zhao-laptop")!

    /// A record as another laptop wrote it, as a pull page brings it.
    static func pulled(_ record: some KAMRecord, counter: UInt64 = 0) -> RecordState {
        var clock = DotClock(replica: zhao, counter: counter)
        return record.newState(clock: &clock, at: Timestamp(rawValue: 1_795_427_400_000))
    }

    @Test("an edit made while a push was on its way stays pending and goes with the next push")
    func editDuringPush() throws {
        let replica = try ReplicaTests.replica()
        let id = try replica.addAccount(Account(name: "ACME")).id
        let batch = try #require(try replica.store.pendingBatch(limit: 100))
        // The push is on its way; the rep renames the account meanwhile.
        try replica.setAccount("ACME", ["name": "ACME Steel"])
        try replica.store.acknowledge(batch, PushAcknowledgement(accepted: batch.count, refused: [], sequence: 2))
        let next = try #require(try replica.store.pendingBatch(limit: 100))
        #expect(next.count == 1)
        let state = try #require(next.request.records.first)
        #expect(state.id == id && state["name"].value == .text("ACME Steel"))
        #expect(try replica.status().pending == 1)
    }

    @Test("a refused record: what it held when the batch was read is settled, an edit made during the push stays pending")
    func editDuringRefusedPush() throws {
        let replica = try ReplicaTests.replica()
        let id = try replica.addAccount(Account(name: "ACME", region: "华东")).id
        // The new account travels whole: name, region and stage.
        let batch = try #require(try replica.store.pendingBatch(limit: 1))
        #expect(batch.count == 3)
        try replica.setAccount("ACME", ["notes": "written while the push was on its way"])
        try replica.store.acknowledge(batch, PushAcknowledgement(
            accepted: 0, refused: [PushRefusal(kind: .account, id: id, field: nil, code: "not-owner", message: "not yours")], sequence: 0))
        let next = try #require(try replica.store.pendingBatch(limit: 100))
        #expect(next.count == 1)
        #expect(Set(next.request.records.flatMap(\.fields.keys)) == ["notes"])
        #expect(try replica.status().refused.map(\.code) == ["not-owner"])
    }

    @Test("a pulled value that fails its checks stops the page: nothing of it is stored and the cursor stays")
    func badValueStopsThePage() throws {
        let replica = try ReplicaTests.replica()
        let good = Self.pulled(Account(name: "Globex"))
        var bad = Self.pulled(Account(name: "ACME"), counter: 10)
        var clock = DotClock(replica: Self.zhao, counter: 20)
        bad.write("share", .integer(20_000), clock: &clock, at: Timestamp(rawValue: 0))  // 200 %
        try replica.store.apply(PullPage(records: [good], authors: [:], cursor: 5, hasMore: true))
        #expect(try replica.store.settings().cursor == 5)
        let page = PullPage(records: [Self.pulled(Account(name: "Initech"), counter: 30), bad], authors: [:], cursor: 9, hasMore: false)
        #expect {
            try replica.store.apply(page)
        } throws: { error in
            guard case .unstorable(let record, let reason)? = error as? SyncFailure else { return false }
            return record.contains(bad.id.rawValue) && reason.contains("share")
        }
        #expect(try replica.store.settings().cursor == 5)
        #expect(try replica.accounts().map(\.name) == ["Globex"])
    }

    @Test("a pulled field the replica does not know, or a record under an id of another kind, stops the page too")
    func unknownFieldOrKindStopsThePage() throws {
        let replica = try ReplicaTests.replica()
        let account = try replica.addAccount(Account(name: "ACME"))
        var unknownField = Self.pulled(Account(name: "Globex"))
        var clock = DotClock(replica: Self.zhao, counter: 50)
        unknownField.write("rating", .integer(5), clock: &clock, at: Timestamp(rawValue: 0))
        let otherKind = Self.pulled(Opportunity(id: account.id, account: account.id, kind: .costReduction))
        for record in [unknownField, otherKind] {
            #expect(throws: SyncFailure.self) {
                try replica.store.apply(PullPage(records: [record], authors: [:], cursor: 7, hasMore: false))
            }
            #expect(try replica.store.settings().cursor == 0)
        }
        #expect(try replica.accounts().map(\.name) == ["ACME"])
    }

    @Test("a pull page with a record of a kind this version does not know stops the sync at once, with the cursor where it was")
    func unknownKindStopsTheSync() async throws {
        let replica = try ReplicaTests.replica()
        try replica.store.markRegistered(user: "li")
        let page = PullPage(records: [Self.pulled(Account(name: "Globex"))], authors: [:], cursor: 12, hasMore: false)
        let json = String(decoding: try WireFormat.encoder().encode(page), as: UTF8.self)
            .replacingOccurrences(of: "\"account\"", with: "\"invoice\"")
        let transport = CannedTransport(body: Data(json.utf8))
        var engine = SyncEngine(store: replica.store, transport: transport)
        engine.backoff = .milliseconds(1)
        do {
            _ = try await engine.sync()
            Issue.record("a page with an unknown kind was accepted")
        } catch let failure as SyncFailure {
            guard case .unstorable = failure else {
                Issue.record("expected an unstorable record, got \(failure)")
                return
            }
            #expect(failure.description.contains("invoice"))
            #expect(failure.description.contains("Upgrade kam"))
        }
        #expect(transport.requests() == 1)  // not retried: the same answer would come again
        #expect(try replica.store.settings().cursor == 0)
    }

    @Test("a pull page with a cursor beyond what a replica stores is refused, not a crash")
    func hugeCursor() throws {
        let replica = try ReplicaTests.replica()
        #expect(throws: SyncFailure.self) {
            try replica.store.apply(PullPage(records: [], authors: [:], cursor: .max, hasMore: false))
        }
        #expect(try replica.store.settings().cursor == 0)
    }
}

/// Answers every request with the same JSON body, and counts them.
final class CannedTransport: HTTPTransport, @unchecked Sendable {
    let body: Data
    private let lock = NSLock()
    private var count = 0

    init(body: Data) { self.body = body }

    func requests() -> Int { lock.withLock { count } }

    func send(_ request: HTTPRequestSpec, progress: (@Sendable (TransferProgress) -> Void)?) async throws -> HTTPResult {
        lock.withLock { count += 1 }
        return HTTPResult(status: 200, headers: ["content-type": "application/json"], body: body)
    }
}
