import Foundation
import KAMProtocol
@testable import KAMServer
import Testing

/// What every storage promises of one write transaction, whatever it keeps
/// in memory before writing it.
@Suite("Storage transactions")
struct StorageTransactionTests {
    let account = RecordID(rawValue: "acct-huawei")!

    func ownerChange(to owner: String) -> OwnerChange {
        OwnerChange(account: account, at: Timestamp(rawValue: 1), by: "li", from: [], to: [owner])
    }

    func removal(reason: Removal.Reason) -> Removal {
        Removal(kind: .account, id: account, account: account, reason: reason)
    }

    @Test("a savepoint that fails, in the policy or in the database, undoes its own writes alone", arguments: Storage.all)
    func failedSavepointUndoesItsOwn(_ storage: Storage) async throws {
        let store = try await storage.make()
        struct Refused: Error {}
        let (account, ownerChange, removal) = (account, ownerChange, removal)
        let seen = try await store.write { tx -> (sequence: UInt64, changes: Int, removals: Int, access: Set<String>) in
            // Kept: written before any savepoint.
            try tx.addOwnerChange(ownerChange("li"), sequence: 1)
            try tx.grantAccess("li", to: account)
            try tx.setSequence(1)
            // Kept: a savepoint that ends well.
            try tx.savepoint {
                try tx.addRemoval(removal(.accessEnded), for: "zhao", sequence: 2)
                try tx.setSequence(2)
            }
            // Undone by the policy, after it wrote.
            #expect(throws: Refused.self) {
                try tx.savepoint {
                    try tx.grantAccess("wang", to: account)
                    try tx.addOwnerChange(ownerChange("wang"), sequence: 3)
                    try tx.setHighestCounter(9, of: ReplicaID(rawValue: "nobody")!)
                    try tx.setSequence(3)
                    throw Refused()
                }
            }
            // Undone by the database: a second owner change with sequence number 1.
            #expect(throws: (any Error).self) {
                try tx.savepoint {
                    try tx.grantAccess("zhao", to: account)
                    try tx.addRemoval(removal(.moved), for: "wang", sequence: 4)
                    try tx.setSequence(4)
                    try tx.addOwnerChange(ownerChange("zhao"), sequence: 1)
                }
            }
            // The transaction goes on, and reads what it kept.
            return (
                try tx.sequence(), try tx.ownerChanges(of: account).count,
                try tx.removals(since: 0, limit: 10, user: "zhao").count + tx.removals(since: 0, limit: 10, user: "wang").count,
                try tx.accessUsers(of: account)
            )
        }
        #expect(seen.sequence == 2)
        #expect(seen.changes == 1)
        #expect(seen.removals == 1)
        #expect(seen.access == ["li"])
        // And that is what it committed.
        let committed = try await store.read { tx in
            (try tx.sequence(), try tx.ownerChanges(of: account).map(\.to), try tx.removals(since: 0, limit: 10, user: "zhao").map(\.sequence),
             try tx.removals(since: 0, limit: 10, user: "wang").count, try tx.accessUsers(of: account))
        }
        #expect(committed.0 == 2)
        #expect(committed.1 == [["li"]])
        #expect(committed.2 == [2])
        #expect(committed.3 == 0)
        #expect(committed.4 == ["li"])
    }

    @Test("a failed write outside any savepoint fails the transaction, even for a caller that goes on past a failed savepoint",
          arguments: Storage.all)
    func failedOuterWriteFailsTheTransaction(_ storage: Storage) async throws {
        let store = try await storage.make()
        let (account, ownerChange) = (account, ownerChange)
        await #expect(throws: (any Error).self) {
            try await store.write { tx in
                try tx.savepoint { try tx.grantAccess("li", to: account) }
                try tx.addOwnerChange(ownerChange("li"), sequence: 1)
                // Sequence number 1 taken twice: the database refuses it, now or when it is written.
                try tx.addOwnerChange(ownerChange("wang"), sequence: 1)
                // Group commit goes on after a push that failed in its savepoint.
                _ = try? tx.savepoint { try tx.grantAccess("wang", to: account) }
            }
        }
        let committed = try await store.read { tx in (try tx.accessUsers(of: account), try tx.ownerChanges(of: account).count) }
        #expect(committed.0.isEmpty)
        #expect(committed.1 == 0)
    }

    @Test("records read, saved and then undone by a failed savepoint read as they are stored, as do replicas read ahead",
          arguments: Storage.all)
    func readsAfterAnUndoneSavepoint(_ storage: Storage) async throws {
        let store = try await storage.make()
        struct Refused: Error {}
        let (huawei, baosteel) = (account, RecordID(rawValue: "acct-baosteel")!)
        let replica = ReplicaID(rawValue: "li-laptop")!
        @Sendable func named(_ name: String, counter: UInt64) -> RecordState {
            var state = RecordState(kind: .account, id: huawei)
            state.write("name", .text(name), dot: Dot(replica: replica, counter: counter), at: Timestamp(rawValue: 1))
            return state
        }
        try await store.addUser(name: "li", role: .rep, tokenHash: Data(repeating: 1, count: 32), at: 1)
        try await store.write { tx in
            try tx.insertReplica(replica, user: "li", at: 1)
            try tx.saveRecord(named("华为", counter: 1), createdBy: "li", sequence: 1)
            try tx.setSequence(1)
        }
        let seen = try await store.write { tx -> (before: [RecordID: StoredRecord], after: [RecordID: StoredRecord], one: StoredRecord?, counters: [ReplicaID: UInt64]) in
            // Read ahead, as group commit does, then read again inside a savepoint that writes and fails.
            try tx.prefetch(records: [huawei, baosteel], replicas: [replica])
            let before = try tx.records([huawei, baosteel])
            #expect(throws: Refused.self) {
                try tx.savepoint {
                    try tx.saveRecord(named("华为技术", counter: 2), createdBy: "li", sequence: 2)
                    var created = RecordState(kind: .account, id: baosteel)
                    created.write("name", .text("宝钢"), dot: Dot(replica: replica, counter: 3), at: Timestamp(rawValue: 1))
                    try tx.saveRecord(created, createdBy: "li", sequence: 3)
                    try tx.setHighestCounter(3, of: replica)
                    #expect(try tx.records([huawei, baosteel]).count == 2)
                    #expect(try tx.replicaCounters(of: "li") == [replica: 3])
                    throw Refused()
                }
            }
            return (before, try tx.records([huawei, baosteel]), try tx.record(baosteel), try tx.replicaCounters(of: "li"))
        }
        #expect(seen.before.count == 1)
        #expect(seen.after == seen.before)
        #expect(seen.after[huawei]?.state["name"].values == [.text("华为")])
        #expect(seen.one == nil)
        #expect(seen.counters == [replica: 0])
    }
    @Test("a pull page's reads answer alike in a read and a write transaction, every part together", arguments: Storage.all)
    func changesReadAlike(_ storage: Storage) async throws {
        let store = try await storage.make()
        let (account, ownerChange, removal) = (account, ownerChange, removal)
        let inWrite = try await store.write { tx -> FeedChanges in
            try tx.grantAccess("zhao", to: account)
            try tx.addOwnerChange(ownerChange("zhao"), sequence: 1)
            try tx.addRemoval(removal(.accessEnded), for: "zhao", sequence: 2)
            try tx.setSequence(2)
            return try tx.changes(since: 0, limit: 10, scope: .accessRows(of: "zhao"), removalsFor: "zhao", ownerChanges: true)
        }
        let inRead = try await store.read { tx in
            try tx.changes(since: 0, limit: 10, scope: .accessRows(of: "zhao"), removalsFor: "zhao", ownerChanges: true)
        }
        #expect(inWrite == inRead)
        #expect(inRead.current == 2 && inRead.records.isEmpty)
        #expect(inRead.ownerChanges.map(\.sequence) == [1] && inRead.removals.map(\.sequence) == [2])
        // A cursor past the counter reads nothing.
        #expect(try await store.read { tx in try tx.changes(since: 3, limit: 10, scope: .everything, removalsFor: nil, ownerChanges: true) }
            == FeedChanges(current: 2))
    }

    @Test("a roles read that fails in a savepoint leaves no user unknown behind", arguments: Storage.all)
    func rolesAfterAFailedRead(_ storage: Storage) async throws {
        let store = try await storage.make()
        struct Refused: Error {}
        try await store.addUser(name: "li", role: .rep, tokenHash: Data(repeating: 1, count: 32), at: 1)
        let after = try await store.write { tx in
            #expect(throws: (any Error).self) {
                try tx.savepoint {
                    // PostgreSQL: a statement sent ahead fails, and the roles read is the one that reports it.
                    if let postgres = tx as? PostgresTransaction { try postgres.session.send("SELECT 1 / 0") }
                    _ = try tx.roles(of: ["li", "nobody"])
                    throw Refused()
                }
            }
            return try tx.roles(of: ["li", "nobody"])
        }
        #expect(after == ["li": .rep])
    }
}
