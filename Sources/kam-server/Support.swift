import ArgumentParser
import Foundation
import KAMServer
import Logging

enum LogLevelOption: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}

/// Logs to standard error at `level`, and returns the server's logger.
func bootstrapLogging(_ level: LogLevelOption) -> Logger {
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    var logger = Logger(label: "kam.server")
    logger.logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
    return logger
}

/// Where `options` say the data is: `--database` (or `$KAM_DATABASE_URL`), else the data folder.
func storageLocation(_ options: DataOptions) throws -> StorageLocation {
    do {
        return try StorageLocation.resolve(
            database: options.database, dataDirectory: options.dataDirectory, environment: ProcessInfo.processInfo.environment)
    } catch let error as BothLocations {
        throw ValidationError("\(error)")
    } catch {
        let fix = options.database == nil
            ? "Fix KAM_DATABASE_URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DB), or unset it for the embedded store"
            : "Pass --database postgres://USER[:PASSWORD]@HOST[:PORT]/DB, or leave it out for the embedded store"
        throw ValidationError("\(error). \(fix)")
    }
}

/// Opens the storage at `location`, saying plainly what went wrong when it cannot.
func openStorage(
    _ location: StorageLocation, logger: Logger, connections: Int = PostgresStore.defaultConnections
) throws -> OpenedStorage {
    do {
        return try location.open(logger: logger, connections: connections)
    } catch {
        switch location {
        case .embedded(let directory):
            throw ValidationError(
                "cannot open the server's database in \(directory.path): \(error). Check the folder exists and is writable, or pass --data-dir")
        case .postgres:
            throw ValidationError("cannot use \(location): \(error)")
        }
    }
}

/// Runs `body` with the sync service over the storage `options` name, then closes it.
func withService<T: Sendable>(_ options: DataOptions, _ body: @escaping @Sendable (SyncService) async throws -> T) async throws -> T {
    let logger = {
        var logger = Logger(label: "kam.server")
        logger.logLevel = .warning
        return logger
    }()
    let location = try storageLocation(options)
    let opened = try openStorage(location, logger: logger)
    return try await opened.run { storage in try await body(SyncService(storage: storage, logger: logger)) }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
