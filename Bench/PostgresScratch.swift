import Foundation
import KAMServer
import Logging
import PostgresNIO

/// Scratch databases for the PostgreSQL benchmarks, beside the one `make bench` names.
enum PostgresScratch {
    /// Warnings and errors only.
    static var logger: Logger {
        var logger = Logger(label: "kam.bench.postgres")
        logger.logLevel = .warning
        return logger
    }

    /// A new, empty database next to `base`, and its address.
    static func create(_ name: String, beside base: String, logger: Logger) async throws -> String {
        guard var components = URLComponents(string: base) else { throw BenchError("\(base) is not a database address") }
        let store = try PostgresStore(url: try PostgresDatabaseURL(base), connections: 1, logger: logger)
        let database = "kam_bench_\(name)_\(ProcessInfo.processInfo.processIdentifier)"
        try await withClient(store.client) {
            try await store.client.withConnection { connection in
                // Not inside a transaction: straight on the connection.
                _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(database)"), logger: logger)
                _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"), logger: logger)
            }
        }
        components.path = "/" + database
        return components.string!
    }

    /// Runs `body` with `client` running, then stops it.
    static func withClient<T: Sendable>(_ client: PostgresClient, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
