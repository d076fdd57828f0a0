import ArgumentParser
import Foundation
import Hummingbird
import KAMFaults
import KAMServer
import Logging

extension KamServer {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the server: on the embedded SQLite store, or on PostgreSQL with --database.")

        @OptionGroup var options: DataOptions

        @Option(help: "The address to listen on.")
        var host = ServerConfiguration.defaultHost

        @Option(help: "The port to listen on (0 picks a free one).")
        var port = ServerConfiguration.defaultPort

        @Option(help: "Close /metrics to requests without 'Authorization: Bearer TOKEN' (default: $KAM_METRICS_TOKEN; open when neither is set).")
        var metricsToken: String?

        @Option(help: "The most pushes and pulls served at once; more are answered 429 with Retry-After.")
        var maxConcurrentSyncs = ServerConfiguration.defaultMaximumConcurrentSyncs

        @Option(help: "The most replicas (laptops) one user may have registered and not revoked.")
        var maxReplicasPerUser = ServerConfiguration.defaultMaximumReplicasPerUser

        @Option(help: "With --database: the most connections this process opens to PostgreSQL.")
        var databaseConnections = PostgresStore.defaultConnections

        func validate() throws {
            guard (0...65_535).contains(port) else { throw ValidationError("port \(port) is not a TCP port: use 0 to 65535") }
            guard maxConcurrentSyncs >= 1 else { throw ValidationError("--max-concurrent-syncs must be at least 1") }
            guard maxReplicasPerUser >= 1 else { throw ValidationError("--max-replicas-per-user must be at least 1") }
            guard (1...1_000).contains(databaseConnections) else { throw ValidationError("--database-connections must be 1 to 1000") }
            if let name = CrashPoint.unknownArmedName {
                throw ValidationError(
                    "\(CrashPoint.environmentVariable)='\(name)' names no crash point: use one of \(CrashPoint.allCases.map(\.rawValue).joined(separator: ", ")), or unset it")
            }
        }

        func run() async throws {
            let logger = bootstrapLogging(options.logLevel)
            let location = try storageLocation(options)
            let directory = ServerConfiguration.dataDirectory(explicit: options.dataDirectory, environment: ProcessInfo.processInfo.environment)
            let environment = ProcessInfo.processInfo.environment
            let configuration = ServerConfiguration(
                host: host, port: port, dataDirectory: directory, maximumConcurrentSyncs: maxConcurrentSyncs,
                maximumReplicasPerUser: maxReplicasPerUser,
                metricsToken: (metricsToken ?? environment["KAM_METRICS_TOKEN"]).flatMap { $0.isEmpty ? nil : $0 })
            let opened = try openStorage(location, logger: logger, connections: databaseConnections)
            let service = SyncService(storage: opened.storage, logger: logger)
            let option = switch location {
            case .embedded(let directory): " --data-dir \(directory.path)"
            case .postgres: " --database URL"
            }
            // Runs once the database's connections do, before the first request is taken.
            let prepare: @Sendable () async throws -> Void = {
                do {
                    try await opened.prepare()
                    try await service.upgradeAccess()
                    if try await service.users().isEmpty {
                        logger.notice(
                            "no users yet: create one with 'kam-server user add NAME --role admin\(option)'; it prints the token kam needs")
                    }
                } catch {
                    throw DatabaseError.explaining(error)
                }
            }
            if opened.services.isEmpty { try await prepare() }
            logger.info("storage", metadata: ["location": "\(location)"])
            if let point = CrashPoint.armed { logger.warning("crash point armed: this server kills itself there", metadata: ["point": "\(point.rawValue)"]) }
            let app = buildApplication(
                configuration: configuration, service: service, logger: logger, services: opened.services,
                beforeServerStarts: opened.services.isEmpty ? nil : prepare)
            try await app.runService()
            logger.info("stopped")
        }
    }
}
