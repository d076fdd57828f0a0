import Foundation
import KAMProtocol
import PostgresNIO

/// The numbers a PostgreSQL store gives the replicas its records name, kept
/// in `replica_numbers` and remembered in memory once committed; and the
/// users replicas are registered to, which never change either.
///
/// A number, once committed, names its replica for the life of the
/// database, whichever process gave it, so every process may remember what
/// it has read. A number given in a transaction is remembered only after
/// that transaction commits: one rolled back (or a savepoint undone) leaves
/// no number behind that names nothing.
final class PostgresReplicaNumbers: @unchecked Sendable {
    private let lock = NSLock()
    private var numbers: [ReplicaID: UInt64] = [:]
    private var replicas: [UInt64: ReplicaID] = [:]

    /// The user each replica is registered to, as committed: a registration never changes hands.
    private var users: [ReplicaID: String] = [:]

    func cached(_ replica: ReplicaID) -> UInt64? { lock.withLock { numbers[replica] } }
    func cachedUser(of replica: ReplicaID) -> String? { lock.withLock { users[replica] } }

    /// Remembers the users of replicas read from committed rows.
    func remember(users learned: [(ReplicaID, String)]) {
        guard !learned.isEmpty else { return }
        lock.withLock { for (replica, user) in learned { users[replica] = user } }
    }
    func cached(number: UInt64) -> ReplicaID? { lock.withLock { replicas[number] } }

    /// Remembers numbers read or given in a transaction that has committed.
    func remember(_ learned: [(ReplicaID, UInt64)]) {
        guard !learned.isEmpty else { return }
        lock.withLock {
            for (replica, number) in learned {
                numbers[replica] = number
                replicas[number] = replica
            }
        }
    }
}

extension PostgresTransaction {
    /// The number of `replica`, given one in this transaction if it has none.
    func number(of replica: ReplicaID) throws -> UInt64 {
        if let number = numbers.cached(replica) ?? learned[replica] ?? learnedInSavepoints.lazy.compactMap({ $0[replica] }).first {
            return number
        }
        let found = try session.rows("SELECT number FROM replica_numbers WHERE replica = \(replica.rawValue)").first
        let number = try found?.decode(Int64.self)
            ?? session.rows("INSERT INTO replica_numbers (replica) VALUES (\(replica.rawValue)) RETURNING number")[0].decode(Int64.self)
        let result = UInt64(number)
        learn(replica, result)
        return result
    }

    /// The replica numbered `number`; a number the database never gave is damaged data.
    func replica(numbered number: UInt64) throws -> ReplicaID {
        if let replica = numbers.cached(number: number) { return replica }
        guard let key = Int64(exactly: number),
            let text = try session.rows("SELECT replica FROM replica_numbers WHERE number = \(key)").first?.decode(String.self),
            let replica = ReplicaID(rawValue: text)
        else { throw StateEncodingError.badReplica }
        learn(replica, number)
        return replica
    }

    /// Notes a number for this transaction, or for the open savepoint: one
    /// given inside a savepoint that is undone must not outlive it.
    func learn(_ replica: ReplicaID, _ number: UInt64) {
        if learnedInSavepoints.isEmpty {
            learned[replica] = number
        } else {
            learnedInSavepoints[learnedInSavepoints.count - 1][replica] = number
        }
    }

    /// A record's stored bytes (``RecordEncoding``, replicas numbered by this database).
    func encode(_ state: RecordState) throws -> Data {
        var last: (replica: ReplicaID, number: UInt64)?
        return try RecordEncoding.encode(state) { replica in
            if let last, last.replica == replica { return last.number }
            let number = try number(of: replica)
            last = (replica, number)
            return number
        }
    }

    /// A record from its stored bytes.
    func decode(_ data: Data, kind: RecordKind, id: RecordID) throws -> RecordState {
        var last: (number: UInt64, replica: ReplicaID)?
        return try RecordEncoding.decode(data, kind: kind, id: id) { number in
            if let last, last.number == number { return last.replica }
            let replica = try replica(numbered: number)
            last = (number, replica)
            return replica
        }
    }
}
