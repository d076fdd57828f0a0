import Foundation
@testable import KAMClient
import KAMProtocol
import Testing

/// How a replica applies removals from a pull page.
@Suite("Removals on the laptop")
struct RemovalTests {
    static let server = ReplicaID(rawValue: "server-side")!
    static let at = Timestamp(rawValue: 1_795_427_400_000)

    static func replica() throws -> Replica {
        let settings = ReplicaSettings(replica: .random(), server: URL(string: "http://127.0.0.1:9")!, token: "t")
        return try Replica(store: ReplicaStore.inMemory(settings: settings), author: "li")
    }

    @Test("a record that came to name another held account in the same page stays when its first account leaves")
    func conflictInSamePage() throws {
        let replica = try Self.replica()
        var clock = DotClock(replica: Self.server)
        let x = Account(name: "X", owner: "li")
        let y = Account(name: "Y", owner: "li")
        let contact = Contact(account: x.id, name: "Ann")
        let states = [x.newState(clock: &clock, at: Self.at), y.newState(clock: &clock, at: Self.at), contact.newState(clock: &clock, at: Self.at)]
        try replica.store.apply(PullPage(records: states, authors: [:], cursor: 3, hasMore: false))
        // Another laptop wrote Y concurrently: the contact's account is {X, Y}; in the same page X leaves.
        var other = DotClock(replica: ReplicaID(rawValue: "other")!)
        var moved = states[2]
        let concurrent = RecordState(kind: .contact, id: contact.id, fields: [
            "account": try Register(siblings: [Sibling(dot: other.next(), value: .text(y.id.rawValue), at: Self.at)], context: VersionVector([other.replica: 1]))
        ])
        moved.join(concurrent)
        #expect(moved["account"].isConflicted)
        let page = PullPage(
            records: [concurrent], authors: [:], cursor: 5, hasMore: false,
            removals: [Removal(kind: .account, id: x.id, account: x.id, reason: .reassigned, owners: ["wang"])])
        let applied = try replica.store.apply(page)
        #expect(applied.removed.map(\.name) == ["X"] && applied.removed.first?.records == 1)
        #expect(try replica.store.record(contact.id) == moved)
        #expect(try replica.accounts().map(\.name) == ["Y"])
    }

    @Test("pending edits of a removed record become refusals with their values; a record only this laptop knew leaves with its account")
    func pendingEditsKept() throws {
        let replica = try Self.replica()
        var clock = DotClock(replica: Self.server)
        let x = Account(name: "华为", owner: "li")
        try replica.store.apply(PullPage(records: [x.newState(clock: &clock, at: Self.at)], authors: [:], cursor: 1, hasMore: false))
        try replica.setAccount("华为", ["notes": "typed offline"])
        let visit = try replica.logActivity("华为", kind: .visit, note: "met the buyer", date: try Day(parsing: "2026-11-23"))
        let applied = try replica.store.apply(PullPage(
            records: [], authors: [:], cursor: 2, hasMore: false,
            removals: [Removal(kind: .account, id: x.id, account: x.id, reason: .reassigned, owners: ["wang"])]))
        #expect(applied.removed.first?.records == 2 && applied.removed.first?.refusedEdits == 2)
        #expect(try replica.accounts().isEmpty && replica.records(Activity.self).isEmpty)
        let refused = try replica.refusals()
        #expect(Set(refused.map(\.record)) == [x.id, visit.id])
        #expect(refused.allSatisfy { $0.removed && $0.accountName == "华为" && $0.code == "reassigned" })
        #expect(refused.first { $0.record == x.id }?.edits["notes"] == .text("typed offline"))
        #expect(try replica.status().pending == 0)
        // Applying the same page again changes nothing.
        #expect(try replica.store.apply(PullPage(
            records: [], authors: [:], cursor: 2, hasMore: false,
            removals: [Removal(kind: .account, id: x.id, account: x.id, reason: .reassigned, owners: ["wang"])])).removed.isEmpty)
        #expect(try replica.refusals().count == 2)
    }
}
