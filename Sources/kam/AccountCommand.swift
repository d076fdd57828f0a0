import ArgumentParser
import Foundation
import KAMClient
import KAMProtocol

extension Kam {
    struct AccountCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "account", abstract: "Add, list, show, change and delete key accounts.",
            subcommands: [Add.self, List.self, Show.self, Set.self, Delete.self])
    }
}

extension Kam.AccountCommand {
    struct Add: KamCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account (at the development stage) and print its id.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account's name.") var name: String
        @Option var industry: String?
        @Option var region: String?
        @Option(help: "The user name of the rep responsible (default: you, once known).") var owner: String?
        @Option(help: "platinum, gold, iron or lead.") var tier: Tier?
        @Option var notes: String?

        func execute() async throws {
            let replica = try home.replica()
            let account = try replica.addAccount(Account(
                name: name, industry: industry, region: region, owner: owner ?? replica.author, tier: tier, notes: notes))
            print(account.id)
        }
    }

    struct List: KamCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @Option var stage: Stage?
        @Option var owner: String?
        @Option var region: String?
        @Option var tier: Tier?
        @Option(help: "Text to find in the name, industry, region or notes.") var text: String?
        @Flag(help: "Only accounts with a conflict or a review flag.") var conflicts = false

        func execute() async throws {
            let accounts = try home.replica().accounts(AccountQuery(
                stage: stage, owner: owner, region: region, tier: tier, text: text, hasConflicts: conflicts, limit: .max))
            if output.json { return try printJSON(accounts) }
            table(["ID", "NAME", "STAGE", "SHARE", "OWNER", "REGION", "TIER", ""], accounts.map { account in
                [short(account.id), account.name, account.stage.rawValue, account.share.text, account.owner ?? "",
                 account.region ?? "", account.tier.text,
                 account.needsResolution || !account.flags.isEmpty ? "needs review" : ""]
            }) { _, column, text in column == 7 && !text.isEmpty ? terminal.yellow(text) : text }
        }
    }

    struct Show: KamCommand {
        static let configuration = CommandConfiguration(abstract: "Show one account with its people, history and conflicts.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @Argument(help: "The account: its name or id, or the start of either.") var account: String

        func execute() async throws {
            let detail = try home.replica().account(account)
            if output.json { return try printJSON(detail) }
            AccountPrinter(detail: detail).print()
        }
    }

    struct Set: KamCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change fields of an account. The stage changes with 'kam stage'.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account: its name or id, or the start of either.") var account: String
        @Option var name: String?
        @Option var industry: String?
        @Option var region: String?
        @Option var owner: String?
        @Option(help: "platinum, gold, iron or lead.") var tier: String?
        @Option var notes: String?
        @Option(help: "The purchase share in percent; it must fit the current stage.") var share: String?
        @Option(help: "A field to clear (repeatable).") var clear: [String] = []

        func execute() async throws {
            let changes = fieldChanges(
                ["name": name, "industry": industry, "region": region, "owner": owner, "tier": tier, "notes": notes, "share": share],
                clear: clear)
            try home.replica().setAccount(account, changes)
        }
    }

    struct Delete: KamCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account: its name or id, or the start of either.") var account: String

        func execute() async throws {
            let id = try home.replica().deleteAccount(account)
            FileHandle.standardError.write(Data("deleted \(safe(id.rawValue))\n".utf8))
        }
    }
}
