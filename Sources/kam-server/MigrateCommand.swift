import ArgumentParser
import Foundation
import KAMServer
import Logging

extension KamServer {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Copy everything from the embedded store into an empty PostgreSQL database.",
            discussion: """
                Stop the server on the embedded store first, then run this, then start 'kam-server serve --database URL' \
                on the same address: laptops sync on from where they were, with no 'kam init'. Users keep their tokens. \
                The target must hold no kam data; the copy is all or nothing.
                """)

        @Option(name: .customLong("data-dir"), help: "The data folder of the embedded store to copy (default: as 'serve' finds it).")
        var dataDirectory: String?

        @Option(help: ArgumentHelp("The PostgreSQL database to copy into (default: $KAM_DATABASE_URL).", valueName: "url"))
        var database: String?

        @Option(help: "How much to log: trace, debug, info, notice, warning, error, critical.")
        var logLevel: LogLevelOption = .warning

        func run() async throws {
            let logger = bootstrapLogging(logLevel)
            let environment = ProcessInfo.processInfo.environment
            let directory = ServerConfiguration.dataDirectory(explicit: dataDirectory, environment: environment)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(SQLiteStore.fileName).path) else {
                throw ValidationError("\(directory.path) holds no kam-server database (\(SQLiteStore.fileName)): pass the --data-dir the server used")
            }
            let location: StorageLocation
            do {
                location = try StorageLocation.resolve(database: database, dataDirectory: nil, environment: environment)
            } catch {
                throw ValidationError("\(error)")
            }
            guard case .postgres(let url) = location else {
                throw ValidationError("name the PostgreSQL database to copy into: --database postgres://USER[:PASSWORD]@HOST[:PORT]/DB (or KAM_DATABASE_URL)")
            }
            let source = try SQLiteStore.open(directory: directory, logger: logger)
            let target = try PostgresStore(url: url, connections: 2, logger: logger)
            let report = try await OpenedStorage(target).run { _ in try await EmbeddedToPostgres.copy(from: source, to: target) }
            for table in report.tables { print("\(table.name)\t\(table.rows)") }
            printError(
                "copied \(directory.path) into \(url). Start 'kam-server serve --database URL' on the server's address; laptops sync on as they were.")
        }
    }
}
