import Foundation
import KAMServer
import Logging
import PostgresNIO

/// The databases the server's tests run against: SQLite in memory always,
/// and PostgreSQL when `make test` has started a throwaway cluster
/// (`scripts/with-postgres.sh` sets `KAM_TEST_POSTGRES_URL`).
public enum TestDatabases {
    /// The cluster's address, or `nil` when the tests run without one.
    public static let postgresURL: String? = ProcessInfo.processInfo.environment["KAM_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// Whether the run must include PostgreSQL (`make test` sets `KAM_REQUIRE_POSTGRES=1`).
    public static let postgresRequired = ProcessInfo.processInfo.environment["KAM_REQUIRE_POSTGRES"] == "1"

    /// Two stores over two connection pools, as two server processes would
    /// be; each test's stores share one of them in a schema of their own.
    private static let processes: [PostgresStore] = {
        guard let postgresURL, let url = try? PostgresDatabaseURL(postgresURL) else { return [] }
        var logger = Logger(label: "kam.test.postgres")
        logger.logLevel = .warning
        return (0..<2).map { _ in
            let store = try! PostgresStore(url: url, connections: 6, logger: logger)
            Task.detached { await store.client.run() }
            return store
        }
    }()

    private static let counter = LockedCounter()

    /// `count` stores over one new, migrated schema, each through its own
    /// connection pool (at most two): several processes on one database.
    /// `migrated: false` leaves the schema empty, for tests of the migrations themselves.
    public static func postgresStores(count: Int = 1, migrated: Bool = true) async throws -> [PostgresStore] {
        guard !processes.isEmpty else { throw MissingPostgres() }
        let schema = "test_\(ProcessInfo.processInfo.processIdentifier)_\(counter.next())"
        let stores = (0..<count).map { processes[$0 % processes.count].inSchema(schema) }
        if migrated { try await stores[0].migrate() }
        return stores
    }

    /// The address of a new, empty database in the cluster, for a test that
    /// starts `kam-server` processes on it.
    public static func postgresDatabaseURL() async throws -> String {
        guard let postgresURL, let base = processes.first, var components = URLComponents(string: postgresURL) else {
            throw MissingPostgres()
        }
        let name = "kam_\(ProcessInfo.processInfo.processIdentifier)_\(counter.next())"
        // CREATE DATABASE cannot run inside a transaction: straight on a pooled connection.
        try await base.client.withConnection { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "kam.test.postgres"))
        }
        components.path = "/" + name
        return components.string!
    }

    /// Whether the cluster takes TLS (scripts/with-postgres.sh made it a certificate).
    public static let postgresTLS = ProcessInfo.processInfo.environment["KAM_TEST_POSTGRES_TLS"] == "1"

    /// Whether a connection made as `url` says (`pg_stat_ssl`) it is encrypted.
    public static func connectionEncrypted(_ url: String) async throws -> Bool {
        let store = try PostgresStore(url: try PostgresDatabaseURL(url), connections: 1, logger: Logger(label: "kam.test.postgres"))
        return try await OpenedStorage(storage: store, services: [store.client], prepare: {}).run { _ in
            try await store.client.withConnection { connection in
                let rows = try await connection.query(
                    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: Logger(label: "kam.test.postgres"))
                for try await encrypted in rows.decode(Bool.self) { return encrypted }
                return false
            }
        }
    }

    /// The nginx binary the load-balancer test runs, when installed.
    public static let nginx: String? = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// One store in a new, migrated schema.
    public static func postgresStore() async throws -> PostgresStore {
        try await postgresStores(count: 1)[0]
    }

    struct MissingPostgres: Error, CustomStringConvertible {
        var description: String { "no PostgreSQL for the tests: run them through make test, or set KAM_TEST_POSTGRES_URL" }
    }
}

/// A count several tasks step, one at a time.
public final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    public init() {}

    /// The count after one more step.
    public func next() -> Int { lock.withLock { value += 1; return value } }
}
