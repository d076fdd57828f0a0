import Foundation
import Logging
import ServiceLifecycle

/// Where the server keeps its data: the embedded SQLite file in a data
/// folder (the default), or a PostgreSQL database that several server
/// processes may share.
public enum StorageLocation: Sendable, CustomStringConvertible {
    case embedded(directory: URL)
    case postgres(PostgresDatabaseURL)

    /// `database` (else `$KAM_DATABASE_URL`) when given, else the data folder
    /// (see ``ServerConfiguration/dataDirectory(explicit:environment:)``).
    public static func resolve(database: String?, dataDirectory: String?, environment: [String: String]) throws -> StorageLocation {
        let named = database.flatMap { $0.isEmpty ? nil : $0 } ?? environment["KAM_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let named else {
            return .embedded(directory: ServerConfiguration.dataDirectory(explicit: dataDirectory, environment: environment))
        }
        return .postgres(try PostgresDatabaseURL(named))
    }

    public var description: String {
        switch self {
        case .embedded(let directory): "the embedded store in \(directory.path)"
        case .postgres(let url): "PostgreSQL at \(url)"
        }
    }

    /// The option a command needs to name this location again (empty for the default data folder).
    public var commandOption: String {
        switch self {
        case .embedded(let directory): " --data-dir \(directory.path)"
        case .postgres: " --database URL"
        }
    }

    /// Opens the storage. A PostgreSQL one must have its ``OpenedStorage/services`` running before it is used.
    public func open(logger: Logger, connections: Int = PostgresStore.defaultConnections) throws -> OpenedStorage {
        switch self {
        case .embedded(let directory):
            return OpenedStorage(storage: try SQLiteStore.open(directory: directory, logger: logger), services: [], prepare: {})
        case .postgres(let url):
            return OpenedStorage(try PostgresStore(url: url, connections: connections, logger: logger))
        }
    }
}

/// A storage, the services it needs running, and what to do once they run.
public struct OpenedStorage: Sendable {
    public var storage: any SyncStorage
    /// Services that must run while the storage is used (a PostgreSQL store's connection pool).
    public var services: [any Service]
    /// Brings the database to the current schema; call once the services run.
    public var prepare: @Sendable () async throws -> Void

    public init(storage: any SyncStorage, services: [any Service], prepare: @escaping @Sendable () async throws -> Void) {
        self.storage = storage
        self.services = services
        self.prepare = prepare
    }

    /// A PostgreSQL store, its connection pool to run and its migrations to apply.
    public init(_ store: PostgresStore) {
        self.init(storage: store, services: [store.client], prepare: { try await store.migrate() })
    }

    /// Runs `body` with the storage's services running and its schema
    /// current, then stops them: for a command that does one thing and exits.
    public func run<T: Sendable>(_ body: @escaping @Sendable (any SyncStorage) async throws -> T) async throws -> T {
        guard !services.isEmpty else { return try await body(storage) }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for service in services { group.addTask { try await service.run(); return nil } }
            defer { group.cancelAll() }
            do {
                try await prepare()
                return try await body(storage)
            } catch {
                throw DatabaseError.explaining(error)
            }
        }
    }
}
