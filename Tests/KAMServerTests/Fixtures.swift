import Foundation
import KAMProtocol
import KAMServer
import KAMServerTestSupport
import Logging
import Testing

/// A rep's laptop, as far as the server sees it: a replica id, a clock and local states.
struct Laptop {
    let user: User
    var clock: DotClock
    var states: [RecordID: RecordState] = [:]
    var changed: [RecordID: Set<String>] = [:]
    var deleted: Set<RecordID> = []

    init(_ user: User, replica: String) {
        self.user = user
        clock = DotClock(replica: ReplicaID(rawValue: replica)!)
    }

    static let at = Timestamp(rawValue: 1_795_427_400_000)

    @discardableResult
    mutating func create(_ record: some KAMRecord) -> RecordID {
        states[record.id] = record.newState(clock: &clock, at: Self.at)
        changed[record.id, default: []].formUnion(record.fieldValues.keys)
        return record.id
    }

    mutating func write(_ id: RecordID, _ field: String, _ value: FieldValue) {
        states[id]!.write(field, value, clock: &clock, at: Self.at)
        changed[id, default: []].insert(field)
    }

    mutating func delete(_ id: RecordID) {
        states[id]!.delete(clock: &clock, at: Self.at)
        deleted.insert(id)
    }

    /// The deltas of everything changed since the last push, in order of
    /// their newest own dot, as a replica pushes them.
    mutating func pushRequest() -> PushRequest {
        let records = Set(changed.keys).union(deleted)
            .map { states[$0]!.delta(fields: changed[$0] ?? [], existence: deleted.contains($0)) }
            .sorted { newestOwnDot($0) < newestOwnDot($1) }
        changed = [:]
        deleted = []
        return PushRequest(replica: clock.replica, records: records)
    }

    func newestOwnDot(_ state: RecordState) -> UInt64 {
        let dots = state.fields.values.flatMap(\.siblings).map(\.dot) + state.existence.siblings.map(\.dot)
        return dots.filter { $0.replica == clock.replica }.map(\.counter).max() ?? 0
    }

    mutating func apply(_ page: PullPage) {
        for removal in page.removals { states[removal.id] = nil }
        for record in page.records {
            states[record.id] = states[record.id].map { $0.joined(with: record) } ?? record
        }
    }
}

/// The sync service over a storage, with users li (rep), wang (rep), zhao (manager) and office (office).
struct StoreFixture {
    let store: SyncService
    var tokens: [String: String] = [:]
    var users: [String: User] = [:]

    init(_ storage: (any SyncStorage)? = nil) async throws {
        self.store = SyncService(storage: try storage ?? SQLiteStore.inMemory(), logger: SQLiteStore.quietLogger)
        for (name, role) in [("li", Role.rep), ("wang", .rep), ("zhao", .manager), ("office", .office)] {
            let token = try await self.store.addUser(name: name, role: role)
            tokens[name] = token
            users[name] = try await self.store.authenticate(token: token)
        }
    }

    func laptop(_ user: String, replica: String) async throws -> Laptop {
        let laptop = Laptop(users[user]!, replica: replica)
        _ = try await store.registerReplica(laptop.clock.replica, for: laptop.user)
        return laptop
    }

    /// Pulls everything the laptop may see into it.
    func sync(_ laptop: inout Laptop, cursor: inout UInt64) async throws -> PushAcknowledgement {
        let ack = try await store.push(laptop.pushRequest(), by: laptop.user)
        #expect(ack.refused.isEmpty, "refused: \(ack.refused)")
        var more = true
        while more {
            let page = try await store.pull(since: cursor, limit: 7, for: laptop.user)
            laptop.apply(page)
            cursor = page.cursor
            more = page.hasMore
        }
        return ack
    }
}

func account(_ name: String, owner: String, stage: Stage = .development, share: Double? = nil) -> Account {
    Account(name: name, region: "华东", owner: owner, stage: stage, share: share.map { try! Share(percent: $0) })
}

/// A storage the service's tests run over: every test that takes one runs
/// once per storage, so all of them keep the same policy.
struct Storage: CustomTestStringConvertible, Sendable {
    let name: String
    let make: @Sendable () async throws -> any SyncStorage

    var testDescription: String { name }

    static let sqlite = Storage(name: "SQLite") { try SQLiteStore.inMemory() }
    /// A schema of its own in the cluster `make test` starts.
    static let postgres = Storage(name: "PostgreSQL") { try await TestDatabases.postgresStore() }
    /// SQLite always; PostgreSQL when the run has a cluster.
    static let all = TestDatabases.postgresURL == nil ? [sqlite] : [sqlite, postgres]
}
