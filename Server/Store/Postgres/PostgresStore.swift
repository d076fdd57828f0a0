import Foundation
import KAMProtocol
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The storage for installations that outgrow one machine: one PostgreSQL
/// database that several `kam-server` processes share.
///
/// The tables hold what ``SQLiteStore``'s hold, in the same forms: a record
/// is one row, its whole state in ``RecordEncoding``'s bytes with replicas
/// numbered once per database (`replica_numbers`).
///
/// Every write transaction starts by locking the one row of `sequence`, the
/// feed's counter, and holds it to its commit. Writes from every process
/// therefore serialise in the database, in the order of the sequence numbers
/// they hand out, and each commits before the next one reads anything: no
/// lost update of a record, an access row, a highest counter or the counter
/// itself, and a reader's snapshot always holds every change up to the
/// newest sequence number it sees, so a pull cursor never passes a change
/// that commits later (docs/OPERATIONS.md, "Several processes").
///
/// ``SyncTransaction``'s primitives are synchronous, as the policy above
/// them is written: a transaction's body runs on a thread of its own that
/// waits for the answers it needs, never on an event loop or the
/// concurrency pool. Writes are kept in memory and sent together, without
/// waiting, so a push costs a handful of round trips (docs/OPERATIONS.md).
public struct PostgresStore: SyncStorage {
    /// postgres-nio's connection pool: a `Service` that must run while the store is used.
    public let client: PostgresClient
    let threads: NIOThreadPool
    let logger: Logger
    /// The schema the tables live in; `nil` for the database's default (`public`).
    let schema: String?
    /// The numbers this database gives replicas in its record rows.
    let numbers: PostgresReplicaNumbers

    /// The most connections one process opens by default.
    public static let defaultConnections = 8

    /// A store on `url`'s database with a pool of at most `connections`.
    /// Nothing connects until ``client`` runs; call ``migrate()`` once it does.
    public init(url: PostgresDatabaseURL, connections: Int = defaultConnections, schema: String? = nil, logger: Logger) throws {
        // The pool's own messages (a connection lost, a retry) at error level
        // unless debugging: what fails a request reaches the caller anyway.
        var background = logger
        background.logLevel = logger.logLevel <= .debug ? logger.logLevel : .error
        let client = PostgresClient(configuration: try url.clientConfiguration(connections: connections), backgroundLogger: background)
        let threads = NIOThreadPool(numberOfThreads: max(connections, 1))
        threads.start()
        self.init(client: client, threads: threads, schema: schema, logger: logger)
    }

    /// A store over a running client, in `schema` (tests give every store a schema of its own).
    init(client: PostgresClient, threads: NIOThreadPool, schema: String?, logger: Logger) {
        self.client = client
        self.threads = threads
        self.schema = schema
        self.logger = logger
        numbers = PostgresReplicaNumbers()
    }

    /// A store over the same connections whose tables live in `schema`
    /// (created by ``migrate()``), with a memory of its own: tests give every
    /// store a schema, and two stores over two clients stand for two processes.
    public func inSchema(_ schema: String) -> PostgresStore {
        PostgresStore(client: client, threads: threads, schema: schema, logger: logger)
    }

    /// Runs `body` in one transaction on a pooled connection: `BEGIN`, the
    /// body on a thread that may block, `COMMIT`; `ROLLBACK` when it throws.
    func transaction<T: Sendable>(
        _ mode: PostgresTransaction.Mode, _ body: @escaping @Sendable (PostgresTransaction) throws -> T
    ) async throws -> T {
        let (threads, logger, schema, numbers) = (threads, logger, schema, numbers)
        return try await client.withConnection { connection in
            try await threads.runIfActive {
                try PostgresTransaction.run(
                    PostgresSession(connection: connection, logger: logger), mode: mode, schema: schema, numbers: numbers, body)
            }
        }
    }

    /// Runs one prepared statement on a pooled connection outside any
    /// transaction, from the event loop: no thread waits for its answer.
    func single<Statement: RowsStatement>(_ statement: Statement) async throws -> [PostgresRow] {
        let (logger, schema) = (logger, schema)
        return try await client.withConnection { connection in
            do {
                if let schema {
                    // For this connection until a transaction sets its own (every one does).
                    _ = try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO \(Self.quoted(schema))"), logger: logger)
                }
                var rows: [PostgresRow] = []
                for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
                return rows
            } catch {
                // As ``PostgresSession/execute(_:)``: a failed preparation stays with the connection.
                _ = connection.close() as EventLoopFuture<Void>
                throw error
            }
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SyncTransaction) throws -> T) async throws -> T {
        try await transaction(.write) { tx in try body(tx) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SyncReads) throws -> T) async throws -> T {
        try await transaction(.read) { tx in try body(tx) }
    }

    static func now() -> Int64 { Timestamp.now().rawValue }

    /// `name` as a quoted SQL identifier.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// One leased connection, driven from a thread that may block on its answers.
///
/// A statement whose answer the transaction does not need right away (a
/// `BEGIN`, a savepoint, the buffered writes) is only ``send(_:)``-ed: the
/// connection runs its statements in order, starting each as soon as the one
/// before it is answered, while this thread goes on. The next statement waited
/// for (``query(_:)``, ``settle()``) also reports the first of them that failed,
/// so an error is noticed a little later, not lost. Two things end without a
/// look at their answers: what ``abandon()`` drops before a `ROLLBACK`, and a
/// read-only transaction's `COMMIT`.
final class PostgresSession {
    let connection: PostgresConnection
    let logger: Logger
    /// Statements sent and not yet waited for, oldest first.
    private var unanswered: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Sends `query` without waiting for its answer.
    func send(_ query: PostgresQuery) {
        unanswered.append(connection.query(query, logger: logger))
    }

    /// Sends `query` without waiting, for its answer later: the next wait
    /// (which this one's answer arrives before) reports its failure too.
    func ask(_ query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
        let future = connection.query(query, logger: logger)
        unanswered.append(future)
        return future
    }

    /// Waits for every statement sent; throws the first one's failure.
    func settle() throws {
        guard !unanswered.isEmpty else { return }
        let futures = unanswered
        unanswered = []
        var failure: (any Error)?
        for future in futures {
            do { _ = try future.wait() } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    /// Waits for every statement sent and forgets how they ended: before a `ROLLBACK`.
    func abandon() {
        let futures = unanswered
        unanswered = []
        for future in futures { _ = try? future.wait() }
    }

    /// Waits for `future`, answered after every statement sent before it;
    /// an earlier failure is the one reported (a transaction it aborted fails everything after it).
    func answer<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        let result = Result { try future.wait() }
        try settle()
        return try result.get()
    }

    /// Runs `query` and collects its rows.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try answer(connection.query(query, logger: logger))
    }

    /// The rows `query` selects.
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        try self.query(query).rows
    }

    /// How many rows `query` changed.
    func changes(_ query: PostgresQuery) throws -> Int {
        try self.query(query).metadata.rows ?? 0
    }
}
