import Foundation
import KAMProtocol
import NIOCore
import PostgresNIO

/// The storage primitives over one open PostgreSQL transaction.
///
/// Used from one thread at a time: the one ``PostgresStore`` runs the
/// transaction's body on.
final class PostgresTransaction: SyncTransaction {
    /// What a transaction may do, and so how it begins.
    enum Mode {
        /// A consistent snapshot that writes nothing.
        case read
        /// Writes, serialised with every other write on the feed's counter row.
        case write
        /// Schema changes, serialised with every other process's.
        case migrate
        /// Users and sessions: single-statement changes that need no order with the feed.
        case users
    }

    /// The connection, for what needs no order with the feed's writes.
    let connection: PostgresSession
    let mode: Mode
    /// The answer of the statement that locks the feed's counter row, once
    /// this write transaction sent it: the counter as it was stored.
    var counterLock: EventLoopFuture<PostgresQueryResult>?
    let numbers: PostgresReplicaNumbers
    /// Replica numbers read or given by this transaction, remembered once it commits.
    var learned: [ReplicaID: UInt64] = [:]
    /// Numbers read or given inside each open savepoint, kept for the
    /// transaction when the savepoint ends well and dropped when it is undone.
    var learnedInSavepoints: [[ReplicaID: UInt64]] = []
    /// How many savepoints this transaction has made (each gets a name of its own).
    var savepoints = 0
    /// Why this transaction must not commit, once something that cannot be
    /// undone alone has failed (it rolls back instead).
    var broken: (any Error)?
    /// Records saved by this transaction and not yet written, by id: reads
    /// of them are answered from here, and they are written together
    /// (``flush(beforeCommit:)``) before any statement that reads their
    /// tables, at a savepoint's edges and before the commit.
    var unsaved: [RecordID: (state: RecordState, createdBy: String, sequence: UInt64)] = [:]
    /// Review flags set by this transaction and not yet written (as stored: JSON text), by account.
    var unsavedFlags: [RecordID: String] = [:]
    /// Access rows given (`true`) or taken (`false`) by this transaction and not yet written.
    var unsavedAccess: [AccessRow: Bool] = [:]
    /// Owner changes and removals added by this transaction and not yet written, in order, with their sequence numbers.
    var unsavedOwnerChanges: [(change: OwnerChange, sequence: UInt64)] = []
    var unsavedRemovals: [(removal: Removal, user: String, sequence: UInt64)] = []
    /// Access rows read or written by this transaction, by account: a push
    /// asks for the same account's readers again and again.
    var accessRows: [RecordID: Set<String>] = [:]
    /// Share records read by this transaction, by account, as stored (decoded
    /// when asked for), until a share record is saved.
    var shareRecordsOf: [RecordID: [(id: RecordID, kind: String, state: Data)]] = [:]
    /// Roles read by this transaction (users change outside write transactions, if ever, and rarely).
    var knownRoles: [String: Role?] = [:]
    /// The feed's counter as this write transaction has it: read with the
    /// lock on its row, written once, before the commit.
    var counter = BufferedCounters()
    /// ``counter`` as each open savepoint found it, to go back to when it is undone.
    var countersAtSavepoints: [BufferedCounters] = []
    /// Records as this transaction read or saved them: no other writer
    /// changes one while it holds the counter row (or its snapshot lasts).
    var storedRecords: [RecordID: StoredRecord] = [:]
    /// The accounts each record names and its kind, as its stored row has
    /// them (read or written by this transaction), so a flush writes only the
    /// pairs that change and a kind is not asked for twice.
    var storedAccounts: [RecordID: Set<RecordID>] = [:]
    var storedKinds: [RecordID: RecordKind] = [:]
    /// Records this transaction looked for and found no row of.
    var notStored: Set<RecordID> = []
    /// Each account's review flags as its stored row has them (as stored: JSON text).
    var storedFlags: [RecordID: String] = [:]
    /// The replicas of each user read by this transaction, with their highest counters as stored.
    var replicasOf: [String: [(info: ReplicaInfo, highestCounter: UInt64)]] = [:]

    /// The values a write transaction keeps in memory and writes before it
    /// commits: every read of them in the transaction adds what is kept here
    /// to what the tables hold, and the lock on the feed's counter row keeps
    /// every other writer out until then.
    struct BufferedCounters {
        /// The newest sequence number handed out (`nil` until the lock's answer
        /// is read), and whether it changed.
        var sequence: UInt64?
        var sequenceChanged = false
        /// Highest counters processed, by replica, not yet written.
        var highest: [ReplicaID: UInt64] = [:]
    }

    /// One row of `account_access`.
    struct AccessRow: Hashable, Comparable {
        var account: RecordID
        var user: String

        static func < (a: AccessRow, b: AccessRow) -> Bool { (a.account, a.user) < (b.account, b.user) }
    }

    init(session: PostgresSession, mode: Mode, numbers: PostgresReplicaNumbers) {
        connection = session
        self.mode = mode
        self.numbers = numbers
    }

    /// The connection, once a write transaction has asked for the feed's counter row.
    ///
    /// Every write of every process locks that row before it reads or
    /// writes anything else, and holds it to its commit (see
    /// ``PostgresStore``); taken at the first statement that needs it, so a
    /// write that touches nothing the feed orders (``markSeen(_:at:)``) never waits for it.
    /// The lock is sent without waiting: every statement after it on the
    /// connection runs once it is granted, and its answer (the counter) is
    /// read when the transaction first needs the counter (``lockedSequence()``).
    var session: PostgresSession {
        get throws {
            if mode == .write, counterLock == nil {
                counterLock = connection.ask("SELECT value FROM sequence WHERE id = 1 FOR UPDATE")
            }
            return connection
        }
    }

    /// The newest sequence number handed out, as this write transaction holds it.
    func lockedSequence() throws -> UInt64 {
        if let known = counter.sequence { return known }
        _ = try session
        let value = UInt64(max(0, try connection.answer(counterLock!).rows.first?.decode(Int64.self) ?? 0))
        counter.sequence = value
        return value
    }

    /// A key no other program's advisory locks use: kam's schema changes.
    static let migrationLock: Int64 = 0x6B61_6D2D_6D69_6772

    /// Begins a transaction of `mode` on `session`, runs `body` and commits;
    /// rolls back and rethrows when anything throws.
    static func run<T>(
        _ session: PostgresSession, mode: Mode, schema: String?, numbers: PostgresReplicaNumbers,
        _ body: (PostgresTransaction) throws -> T
    ) throws -> T {
        // Sent without waiting: the first statement waited for reports how they went.
        switch mode {
        case .read: session.send("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        case .write, .migrate, .users: session.send("BEGIN ISOLATION LEVEL READ COMMITTED")
        }
        do {
            if let schema {
                let quoted = PostgresStore.quoted(schema)
                if mode == .migrate {
                    try session.query("SELECT pg_advisory_xact_lock(\(migrationLock))")
                    // Looked up with a snapshot taken after the lock was granted: CREATE SCHEMA IF NOT EXISTS
                    // judges by the catalog as this transaction last saw it, which may predate another
                    // process's migration that held the lock and made the schema.
                    if try session.rows("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)").isEmpty {
                        try session.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(quoted)"))
                    }
                }
                session.send(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(quoted)"))
            } else if mode == .migrate {
                try session.query("SELECT pg_advisory_xact_lock(\(migrationLock))")
            }
            let transaction = PostgresTransaction(session: session, mode: mode, numbers: numbers)
            let result = try body(transaction)
            if let broken = transaction.broken { throw broken }
            try transaction.flush(beforeCommit: true)
            if mode == .read {
                // A snapshot that wrote nothing: its end needs no answer. The
                // connection runs it before anything its next lessee sends.
                try session.settle()
                session.send("COMMIT")
                numbers.remember(transaction.learned.map { ($0.key, $0.value) })
                return result
            }
            // PostgreSQL answers COMMIT in a transaction a failed statement aborted with ROLLBACK, and no error.
            let committed = try session.query("COMMIT")
            guard committed.metadata.command == "COMMIT" else { throw PostgresStoreError.rolledBack }
            numbers.remember(transaction.learned.map { ($0.key, $0.value) })
            return result
        } catch {
            session.abandon()
            do { try session.query("ROLLBACK") } catch {
                // A connection that cannot roll back is in no state to be reused.
                _ = session.connection.close() as EventLoopFuture<Void>
            }
            throw error
        }
    }

    /// A whole number the database holds as a signed 64-bit integer.
    static func stored(_ value: UInt64) throws -> Int64 {
        guard let stored = Int64(exactly: value) else { throw StorageError.outOfRange(value) }
        return stored
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        // What was saved before the savepoint is written, and answered, before it: undoing the
        // savepoint undoes only its own, and a failure of what came before is the transaction's.
        do {
            try flush()
            try connection.settle()
        } catch {
            broken = broken ?? error
            throw error
        }
        savepoints += 1
        // A name of its own: savepoints that end well stay open (see below), and ROLLBACK TO
        // must reach this one, never an earlier one of the same name.
        let name = "kam_\(savepoints)"
        try session.send(PostgresQuery(unsafeSQL: "SAVEPOINT \(name)"))
        learnedInSavepoints.append([:])
        countersAtSavepoints.append(counter)
        do {
            let result = try body()
            try flush()
            // Everything the savepoint wrote answered: a failure undoes it alone.
            try connection.settle()
            // Kept, not released: one statement fewer for the transaction's
            // connection, and the commit keeps all of it.
            countersAtSavepoints.removeLast()
            // What it learned stands or falls with the transaction around it.
            let kept = learnedInSavepoints.removeLast()
            if learnedInSavepoints.isEmpty {
                learned.merge(kept) { _, new in new }
            } else {
                learnedInSavepoints[learnedInSavepoints.count - 1].merge(kept) { _, new in new }
            }
            return result
        } catch {
            // What the savepoint buffered goes with it, and what this
            // transaction knew of the stored rows, which it may have written.
            unsaved = [:]
            unsavedFlags = [:]
            unsavedAccess = [:]
            unsavedOwnerChanges = []
            unsavedRemovals = []
            accessRows = [:]
            shareRecordsOf = [:]
            forgetStoredRows()
            counter = countersAtSavepoints.removeLast()
            learnedInSavepoints.removeLast()
            connection.abandon()
            do {
                try session.query(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(name)"))
            } catch {
                // The transaction is past saving: it must not commit what it holds.
                broken = broken ?? error
            }
            throw error
        }
    }
}

/// A PostgreSQL transaction that did not commit.
enum PostgresStoreError: Error, CustomStringConvertible {
    case rolledBack

    var description: String {
        switch self {
        case .rolledBack: "PostgreSQL rolled the transaction back instead of committing it: an earlier statement in it failed"
        }
    }
}
