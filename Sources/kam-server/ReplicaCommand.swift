import ArgumentParser
import Foundation
import KAMProtocol
import KAMServer

extension KamServer {
    struct ReplicaCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replica", abstract: "See and shut out replicas (laptops).",
            subcommands: [List.self, Revoke.self])
    }
}

extension KamServer.ReplicaCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List replicas with their user, registration and last sync (UTC, to the minute).")

        @OptionGroup var options: DataOptions
        @Option(help: "Only this user's replicas.") var user: String?

        func run() async throws {
            let user = user
            let replicas = try await withService(options) { service in try await service.replicas(user: user) }
            if replicas.isEmpty {
                printError(user.map { "\($0) has no replicas: they register at their first 'kam init' or 'kam sync'" } ?? "no replicas yet")
                return
            }
            let rows = replicas.map { replica in
                [replica.id.rawValue, replica.user, Self.time(replica.registeredAt), replica.lastSeenAt.map(Self.time) ?? "never",
                 replica.revokedAt.map { "revoked " + Self.time($0) } ?? "active"]
            }
            let headers = ["REPLICA", "USER", "REGISTERED", "LAST SYNC", "STATUS"]
            let widths = headers.indices.map { column in ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0 }
            for row in [headers] + rows {
                print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                    .trimmingCharacters(in: .whitespaces))
            }
        }

        static func time(_ milliseconds: Int64) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shut one replica (a lost or stolen laptop) out of pushes and pulls; the user's other replicas keep working.",
            discussion: "The laptop still holds the user's token: for a stolen laptop, also give the user a new one with 'kam-server user token NAME'.")

        @OptionGroup var options: DataOptions
        @Argument(help: "The replica id, as 'kam-server replica list' shows it.") var id: String

        func run() async throws {
            guard let replica = ReplicaID(rawValue: id) else {
                throw ValidationError("'\(id)' is not a replica id: 'kam-server replica list' shows them")
            }
            try await withService(options) { service in try await service.revokeReplica(replica) }
            printError("revoked replica \(id): its pushes and pulls are refused from now on. If the laptop was stolen, also run 'kam-server user token USER'.")
        }
    }
}
