import ArgumentParser
import Foundation
import KAMClient
import KAMProtocol

extension Kam {
    struct ConfigCommand: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Show or change where this replica syncs: the server's address, the token, the CA file.",
            discussion: """
                With no option, shows the replica, server, user, token (masked) and CA file. A change keeps the replica, \
                its pending edits, sync position, conflicts and refused edits; after a new address or token the next \
                'kam sync' registers the replica again.
                """)

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @Option(help: "The server's new address (it moved, or now speaks https).") var server: String?
        @Option(help: ArgumentHelp("A new token; '-' reads one line from standard input.", valueName: "token|-")) var token: String?
        @Flag(help: "Take the new token from $KAM_TOKEN.") var tokenFromEnv = false
        @Option(name: .customLong("ca-cert"), help: "A PEM file of certificate authorities to trust for the server.") var caCert: String?
        @Flag(name: .customLong("no-ca-cert"), help: "Trust the system's certificate authorities only.") var noCACert = false

        func validate() throws {
            if token != nil && tokenFromEnv { throw ValidationError("give the token one way: --token or --token-from-env") }
            if caCert != nil && noCACert { throw ValidationError("give one of --ca-cert PATH or --no-ca-cert") }
        }

        func execute() async throws {
            let store = try ReplicaStore.open(home: home.resolved)
            var change = ConfigurationChange()
            if let server { change.server = try ReplicaSettings.serverURL(server) }
            if tokenFromEnv {
                guard let token = try readToken(nil, useEnvironment: true) else {
                    throw ValidationError("--token-from-env: KAM_TOKEN is not set")
                }
                change.token = token
            } else if token != nil {
                change.token = try readToken(token, useEnvironment: false)
            }
            if let caCert {
                guard FileManager.default.isReadableFile(atPath: caCert) else { throw ClientError.unreadableCertificate(caCert) }
                change.caCertificate = .some(URL(fileURLWithPath: caCert).standardizedFileURL.path)
            }
            if noCACert { change.caCertificate = .some(nil) }
            if !change.isEmpty {
                let changed = try store.reconfigure(change)
                if !output.json {
                    let line = changed.isEmpty ? "nothing changed" : "changed: " + changed.joined(separator: ", ")
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                    if changed.contains("server") || changed.contains("token") {
                        FileHandle.standardError.write(Data("The next 'kam sync' registers this replica with the server again.\n".utf8))
                    }
                }
            }
            let configuration = try store.configuration()
            if output.json { return try printJSON(configuration) }
            print(TextTable(headers: ["", ""], rows: [
                ["replica", configuration.replica.rawValue],
                ["server", configuration.server],
                ["user", configuration.user ?? "(known after the first sync)"],
                ["registered", configuration.registered ? "yes" : "no (at the next sync)"],
                ["token", configuration.token],
                ["CA file", configuration.caCert ?? "(the system's)"],
            ]).renderRows())
        }
    }
}
