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
/// waits for each statement's answer, never on an event loop or the
/// concurrency pool.
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

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SyncTransaction) throws -> T) async throws -> T {
        try await transaction(.write) { tx in try body(tx) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SyncReads) throws -> T) async throws -> T {
        try await transaction(.read) { tx in try body(tx) }
    }

    static func now() -> Int64 { Timestamp.now().rawValue }
}

/// One leased connection, driven from a thread that may block on its answers.
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs `query` and collects its rows.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try connection.query(query, logger: logger).wait()
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
