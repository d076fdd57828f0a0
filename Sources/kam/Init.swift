import ArgumentParser
import Foundation
import KAMClient
import KAMProtocol

extension Kam {
    struct Init: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create this laptop's replica. Registers with the server if it answers; offline, at the first sync.")

        @OptionGroup var home: HomeOptions
        @Option(help: "The server's address, like http://kam.example.com:8080.") var server: String
        @Option(help: ArgumentHelp(
            "Your bearer token, from 'kam-server user add'; '-' reads one line from standard input (default: $KAM_TOKEN).",
            valueName: "token|-")) var token: String?
        @Option(name: .customLong("ca-cert"), help: "A PEM file of certificate authorities to trust for the server.") var caCert: String?
        @Option(help: "Seconds to wait for the server before registering at the first sync instead.") var timeout = 5

        func execute() async throws {
            let url = try ReplicaSettings.serverURL(server)
            guard let token = try readToken(token, useEnvironment: true) else { throw ClientError.missingToken }
            if let caCert, !FileManager.default.isReadableFile(atPath: caCert) { throw ClientError.unreadableCertificate(caCert) }
            let settings = ReplicaSettings(
                replica: .random(), server: url, token: token,
                caCertificate: caCert.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
            let store = try ReplicaStore.create(home: home.resolved, settings: settings)
            print("replica \(settings.replica) created in \(home.resolved.url.path)")
            // Register now if the server answers quickly; offline, the first sync does it.
            var engine = SyncEngine(
                store: store, transport: CurlTransport(connectTimeout: timeout, stallTimeout: timeout, caCertificate: settings.caCertificate))
            engine.attempts = 1
            do {
                let user = try await engine.register()
                print("registered with \(url.absoluteString) as \(safe(user))")
            } catch let failure as SyncFailure where failure.isTransient {
                // Busy or failing, not a refusal: the replica stays and registers at the first sync.
                guard case .server(let status, let code, let message) = failure else { throw failure }
                print("not registered: the server answered \(status) \(code): \(message). The replica registers at the first 'kam sync'")
            } catch SyncFailure.server(let status, let code, let message) {
                try ReplicaStore.remove(home: home.resolved)
                let fix = switch status {
                case 401, 403: "check --token"
                case 404: "check --server (the kam server's address, like http://kam.example.com:8080)"
                default: "fix what it says"
                }
                throw fail("the server refused this replica (\(status) \(code)): \(message). Nothing was kept; \(fix) and run 'kam init' again", code: .failure)
            } catch SyncFailure.transport(.unavailable(let detail), _) {
                print("not registered: \(TransportError.unavailable(detail)). The replica registers at the first 'kam sync' once it is installed")
            } catch {
                print("offline: the replica registers at the first 'kam sync'")
            }
            FileHandle.standardError.write(Data("Next: 'kam account add NAME', then 'kam sync' when you have a connection.\n".utf8))
        }
    }
}
