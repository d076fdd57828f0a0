import ArgumentParser
import Foundation
import KAMServer

extension KamServer {
    struct UserCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "user", abstract: "Manage who may use the server.",
            subcommands: [Add.self, List.self, Token.self, Revoke.self])
    }
}

extension KamServer.UserCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user and print their bearer token (shown only once).")

        @OptionGroup var options: DataOptions
        @Argument(help: "The user name (letters, digits, '.', '-', '_').") var name: String
        @Option(help: "rep, manager, office or admin.") var role: Role

        func run() async throws {
            let (name, role) = (name, role)
            let token = try await withService(options) { service in try await service.addUser(name: name, role: role) }
            print(token)
            printError("added \(role) '\(name)'. The token above is shown only once: give it to \(name) for 'kam init --token'.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users and their roles.")

        @OptionGroup var options: DataOptions

        func run() async throws {
            let users = try await withService(options) { service in try await service.users() }
            if users.isEmpty {
                printError("no users yet: add one with 'kam-server user add NAME --role admin'")
                return
            }
            let width = max(4, users.map(\.name.count).max() ?? 0)
            print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  ROLE     STATUS")
            for user in users {
                let name = user.name.padding(toLength: width, withPad: " ", startingAt: 0)
                let role = user.role.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                print("\(name)  \(role)  \(user.isRevoked ? "revoked" : "active")")
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a user a new token (shown only once) and end the old one; their accounts and replicas stay theirs.",
            discussion: "For a lost or stolen laptop: the laptop holds the old token. A revoked user stays revoked.")

        @OptionGroup var options: DataOptions
        @Argument(help: "The user name.") var name: String

        func run() async throws {
            let name = name
            let token = try await withService(options) { service in try await service.replaceToken(name: name) }
            print(token)
            printError("'\(name)' has a new token, shown above only once; the old one no longer works, on any of their laptops. On each laptop they still use, 'kam config --token -' takes the new one and keeps what the laptop holds.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a user's token; their past work stays.")

        @OptionGroup var options: DataOptions
        @Argument(help: "The user name.") var name: String

        func run() async throws {
            let name = name
            try await withService(options) { service in try await service.revokeUser(name: name) }
            printError("revoked '\(name)': their token no longer works")
        }
    }
}

extension Role: ExpressibleByArgument {}
