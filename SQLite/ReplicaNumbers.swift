import Foundation
import GRDB
import KAMProtocol

/// The numbers a SQLite store gives the replicas its records name, kept in
/// the table `replica_numbers` and remembered in memory once committed.
///
/// Only the store's own connection gives numbers (SQLite has one writer at a
/// time), so a number read from the table is committed unless this instance
/// gave it in a transaction that has not ended yet.
///
/// A record row holds these numbers instead of replica ids
/// (``RecordEncoding``). A number, once given, names its replica for the
/// life of the database; numbers mean nothing outside it.
public final class ReplicaNumbers: @unchecked Sendable {
    private let lock = NSLock()
    private var numbers: [ReplicaID: Int64] = [:]
    private var replicas: [Int64: ReplicaID] = [:]
    /// Numbers given in a write transaction not yet committed: not remembered until it is.
    private var uncommitted: Set<Int64> = []

    public init() {}

    /// The table every store that uses numbers creates in a migration.
    public static let createTable = """
        CREATE TABLE replica_numbers (
            number INTEGER PRIMARY KEY,
            replica TEXT NOT NULL UNIQUE
        );
        """

    /// The number of `replica`, given one (in `db`'s transaction) if it has none.
    public func number(of replica: ReplicaID, _ db: Database) throws -> UInt64 {
        if let number = lock.withLock({ numbers[replica] }) { return UInt64(number) }
        if let number = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT number FROM replica_numbers WHERE replica = ?"), arguments: [replica.rawValue])
        {
            remember(replica, number)
            return UInt64(number)
        }
        try db.cachedStatement(sql: "INSERT INTO replica_numbers (replica) VALUES (?)").execute(arguments: [replica.rawValue])
        let number = db.lastInsertedRowID
        // Not remembered until read again once its transaction has ended: a
        // number given inside a savepoint that rolled back may be given to
        // another replica in the same transaction, which still commits.
        lock.withLock { _ = uncommitted.insert(number) }
        db.afterNextTransaction(
            onCommit: { [self] _ in lock.withLock { _ = uncommitted.remove(number) } },
            onRollback: { [self] _ in lock.withLock { _ = uncommitted.remove(number) } })
        return UInt64(number)
    }

    /// The replica numbered `number`; a number the database never gave is damaged data.
    public func replica(numbered number: UInt64, _ db: Database) throws -> ReplicaID {
        guard let key = Int64(exactly: number) else { throw StateEncodingError.badReplica }
        if let replica = lock.withLock({ replicas[key] }) { return replica }
        guard let text = try String.fetchOne(
            db.cachedStatement(sql: "SELECT replica FROM replica_numbers WHERE number = ?"), arguments: [key]),
            let replica = ReplicaID(rawValue: text)
        else { throw StateEncodingError.badReplica }
        remember(replica, key)
        return replica
    }

    /// A record's stored bytes, leaving out the values its row keeps in
    /// `outside`, and the format byte unless `withFormatByte` (see ``RecordEncoding``).
    public func encode(
        _ state: RecordState, outside: [String: FieldValue] = [:], withFormatByte: Bool = true, _ db: Database
    ) throws -> Data {
        // A record mostly names one replica: the last answer saves hashing its id again.
        var last: (replica: ReplicaID, number: UInt64)?
        return try RecordEncoding.encode(state, outside: outside, withFormatByte: withFormatByte) { replica in
            if let last, last.replica == replica { return last.number }
            let number = try number(of: replica, db)
            last = (replica, number)
            return number
        }
    }

    /// A record from its stored bytes and the values its row keeps beside them.
    public func decode(
        _ data: Data, kind: RecordKind, id: RecordID, outside: [String: FieldValue] = [:], withFormatByte: Bool = true,
        _ db: Database
    ) throws -> RecordState {
        var last: (number: UInt64, replica: ReplicaID)?
        return try RecordEncoding.decode(data, kind: kind, id: id, outside: outside, withFormatByte: withFormatByte) { number in
            if let last, last.number == number { return last.replica }
            let replica = try replica(numbered: number, db)
            last = (number, replica)
            return replica
        }
    }

    private func remember(_ replica: ReplicaID, _ number: Int64) {
        lock.withLock {
            guard !uncommitted.contains(number) else { return }
            numbers[replica] = number
            replicas[number] = replica
        }
    }
}
