import Foundation
import GRDB
@testable import KAMClient
import KAMProtocol
import KAMSQLite
import Testing

/// The `v6-compact-rows` migration on rows the record-row migration wrote:
/// every kind, every status and a flag list, beyond what the fixture of the
/// release before holds.
@Suite("Compact row migration")
struct CompactRowsMigrationTests {
    @Test("every kind gets its number, every record its status and its state back, and flag lists survive")
    func compactRows() throws {
        var li = DotClock(replica: ReplicaID(rawValue: "li")!)
        var wang = DotClock(replica: ReplicaID(rawValue: "wang")!)
        let at = Timestamp(rawValue: 1_795_427_400_000)
        func record(_ kind: RecordKind, _ fields: [String: FieldValue]) -> RecordState {
            var state = RecordState(kind: kind, id: .random())
            for (field, value) in fields.sorted(by: { $0.key < $1.key }) { state.write(field, value, clock: &li, at: at) }
            return state
        }
        let account = record(.account, ["name": .text("ACME"), "stage": .text("development"), "owner": .text("li"), "share": .integer(2_000)])
        let of: [String: FieldValue] = ["account": .text(account.id.rawValue)]
        var states = [
            account,
            record(.contact, of.merging(["name": .text("王芳")]) { $1 }),
            record(.activity, of.merging(["kind": .text("visit"), "date": .text("2026-10-10")]) { $1 }),
            record(.opportunity, of.merging(["kind": .text("supplier-review")]) { $1 }),
            record(.shareRecord, of.merging(["period": .text("2026-Q3")]) { $1 }),
            record(.stageChange, of.merging(["to": .text("initial")]) { $1 }),
        ]
        // In conflict: two replicas renamed it concurrently.
        let renamed = record(.account, ["name": .text("Baosteel")])
        var mine = renamed, theirs = renamed
        mine.write("name", .text("宝钢"), clock: &li, at: at)
        theirs.write("name", .text("宝钢集团"), clock: &wang, at: at)
        states.append(mine.joined(with: theirs))
        // Deleted; and deleted on one laptop while edited on another.
        var deleted = record(.contact, of.merging(["name": .text("gone")]) { $1 })
        deleted.delete(clock: &li, at: at)
        states.append(deleted)
        var deletedHere = record(.activity, of.merging(["kind": .text("call")]) { $1 })
        var editedThere = deletedHere
        deletedHere.delete(clock: &li, at: at)
        editedThere.write("note", .text("called back"), clock: &wang, at: at)
        states.append(deletedHere.joined(with: editedThere))

        let queue = try DatabaseQueue()
        try ReplicaStore.migrator.migrate(queue, upTo: "v5-record-rows")
        try queue.write { db in
            let numbers = ReplicaNumbers()
            for state in states { try ReplicaStore.RecordRowsMigration.storeRow(db, state, numbers: numbers) }
            try db.execute(sql: #"UPDATE records SET flags = '["share-outside-band"]' WHERE id = ?"#, arguments: [account.id.rawValue])
        }
        try ReplicaStore.migrator.migrate(queue)

        let statuses = Set(states.map { ReplicaStore.RowStatus(RecordIndex($0)) })
        #expect(statuses == [.shown, .inConflict, .hidden], "the states cover every status")
        try queue.read { db in
            for state in states {
                let row = try #require(try Row.fetchOne(db, sql: "SELECT kind, status, flags FROM records WHERE id = ?", arguments: [state.id.rawValue]))
                #expect(row["kind"] as Int == state.kind.storedCode)
                #expect(row["status"] as Int == ReplicaStore.RowStatus(RecordIndex(state)).rawValue)
                #expect(row["flags"] as String? == (state.id == account.id ? #"["share-outside-band"]"# : nil))
                #expect(try ReplicaStore.loadRecord(db, state.id) == state)
            }
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") == states.count)
        }
    }
}
