import GRDB
import KAMProtocol
import KAMSQLite
import Testing

/// The numbers a store gives replicas: never two replicas for one number,
/// whatever rolls back.
@Suite("Replica numbers")
struct ReplicaNumbersTests {
    let a = ReplicaID(rawValue: "laptop-a")!
    let b = ReplicaID(rawValue: "laptop-b")!

    func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: ReplicaNumbers.createTable) }
        return queue
    }

    @Test("a number given in a savepoint that rolled back goes to another replica, and is read back as that one")
    func savepointRollback() throws {
        let queue = try database()
        let numbers = ReplicaNumbers()
        let given = try queue.write { db -> UInt64 in
            try db.inSavepoint {
                _ = try numbers.number(of: a, db)
                return .rollback
            }
            return try numbers.number(of: b, db)
        }
        try queue.read { db throws in #expect(try numbers.replica(numbered: given, db) == b) }
        let forA = try queue.write { db in try numbers.number(of: a, db) }
        #expect(forA != given)
        try queue.read { db throws in
            #expect(try numbers.replica(numbered: forA, db) == a)
            #expect(try numbers.number(of: b, db) == given)
        }
    }

    @Test("a number given in a transaction that rolled back is given again, to whoever comes next")
    func transactionRollback() throws {
        let queue = try database()
        let numbers = ReplicaNumbers()
        struct Undo: Error {}
        #expect(throws: Undo.self) {
            try queue.write { db in
                _ = try numbers.number(of: a, db)
                throw Undo()
            }
        }
        let given = try queue.write { db in try numbers.number(of: b, db) }
        try queue.read { db throws in #expect(try numbers.replica(numbered: given, db) == b) }
        #expect(throws: StateEncodingError.self) { try queue.read { db in try numbers.replica(numbered: given + 1, db) } }
    }

    @Test("a record written with numbers reads back equal through another instance on the same file")
    func sharedFile() throws {
        let queue = try database()
        var state = RecordState(kind: .account, id: RecordID(rawValue: "acct")!)
        state.write("name", .text("ACME"), dot: Dot(replica: a, counter: 3), at: Timestamp(rawValue: 1))
        state.write("region", .text("East"), dot: Dot(replica: b, counter: 9), at: Timestamp(rawValue: 2))
        let bytes = try queue.write { db in try ReplicaNumbers().encode(state, db) }
        try queue.read { db throws in #expect(try ReplicaNumbers().decode(bytes, kind: .account, id: state.id, db) == state) }
    }
}
