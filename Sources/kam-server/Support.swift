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

/// The sync service over the embedded store in the data folder `options` name.
func openService(_ options: DataOptions) throws -> SyncService {
    let directory = ServerConfiguration.dataDirectory(explicit: options.dataDirectory, environment: ProcessInfo.processInfo.environment)
    var logger = Logger(label: "kam.server")
    logger.logLevel = .warning
    return try openService(directory, logger: logger)
}

/// The sync service over the embedded store in `directory`.
func openService(_ directory: URL, logger: Logger) throws -> SyncService {
    do {
        return SyncService(storage: try SQLiteStore.open(directory: directory, logger: logger), logger: logger)
    } catch {
        throw ValidationError("cannot open the server's database in \(directory.path): \(error). Check the folder exists and is writable, or pass --data-dir")
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
