import Foundation
import Logging
import ServiceLifecycle

/// Where the server keeps its data: the embedded SQLite file in a data
/// folder (the default), or a PostgreSQL database that several server
/// processes may share.
public enum StorageLocation: Sendable, CustomStringConvertible {
    /// The embedded SQLite file (`kam-server.sqlite`) in this data folder.
    case embedded(directory: URL)
    /// A PostgreSQL database.
    case postgres(PostgresDatabaseURL)

    /// `database` when given; else the data folder when `dataDirectory` is
    /// given; else `$KAM_DATABASE_URL` when set; else the default data folder
    /// (see ``ServerConfiguration/dataDirectory(explicit:environment:)``).
    /// An explicit option always beats the environment; both options at once are refused.
    public static func resolve(database: String?, dataDirectory: String?, environment: [String: String]) throws -> StorageLocation {
        let database = database.flatMap { $0.isEmpty ? nil : $0 }
        let dataDirectory = dataDirectory.flatMap { $0.isEmpty ? nil : $0 }
        if database != nil, dataDirectory != nil { throw BothLocations() }
        let named = database ?? (dataDirectory == nil ? environment["KAM_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } : nil)
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

/// `--database` and `--data-dir` name two different stores.
public struct BothLocations: Error, CustomStringConvertible, Sendable {
    public var description: String {
        "--database and --data-dir name two different stores: give one (--data-dir for the embedded store, --database for PostgreSQL)"
    }
}

/// A storage, the services it needs running, and what to do once they run.
public struct OpenedStorage: Sendable {
    /// The storage, to build a ``SyncService`` on.
    public var storage: any SyncStorage
    /// Services that must run while the storage is used (a PostgreSQL store's connection pool).
    public var services: [any Service]
    /// Brings the database to the current schema; call once the services run.
    public var prepare: @Sendable () async throws -> Void

    /// A storage with the services it needs and its preparation.
    public init(storage: any SyncStorage, services: [any Service], prepare: @escaping @Sendable () async throws -> Void) {
        self.storage = storage
        self.services = services
        self.prepare = prepare
    }

    /// A PostgreSQL store, its connection pool to run and its migrations to apply.
    public init(_ store: PostgresStore) {
        self.init(storage: store, services: [store.client], prepare: { try await store.migrate() })
        finish = { try? await store.threads.shutdownGracefully() }
    }

    /// What ``run(_:)`` does once its body is done: the store's threads stop.
    var finish: @Sendable () async -> Void = {}

    /// Runs `body` with the storage's services running and its schema
    /// current, then stops them: for a command that does one thing and exits.
    public func run<T: Sendable>(_ body: @escaping @Sendable (any SyncStorage) async throws -> T) async throws -> T {
        guard !services.isEmpty else { return try await body(storage) }
        let (services, prepare, storage) = (services, prepare, storage)
        let result: Result<T, any Error>
        do {
            result = .success(try await withThrowingTaskGroup(of: T?.self) { group in
                for service in services { group.addTask { try await service.run(); return nil } }
                defer { group.cancelAll() }
                do {
                    try await prepare()
                    return try await body(storage)
                } catch {
                    throw DatabaseError.explaining(error)
                }
            })
        } catch {
            result = .failure(error)
        }
        await finish()
        return try result.get()
    }
}
