import ArgumentParser
import Foundation
import KAMClient
import KAMProtocol
import KAMTables

extension Kam {
    struct AccountCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "account", abstract: "Add, list, show, change and delete key accounts.",
            subcommands: [Add.self, List.self, Show.self, Set.self, Delete.self, Reassign.self, Import.self])
    }
}

extension Kam.AccountCommand {
    struct Add: KamCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account (at the development stage) and print its id.")

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
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List accounts.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @OptionGroup var csv: CSVOption
        @Option var stage: Stage?
        @Option var owner: String?
        @Option var region: String?
        @Option var tier: Tier?
        @Option(help: "Text to find in the name, industry, region or notes.") var text: String?
        @Flag(help: "Only accounts with a conflict or a review flag.") var conflicts = false

        func execute() async throws {
            let replica = try home.replica()
            let query = AccountQuery(
                stage: stage, owner: owner, region: region, tier: tier, text: text, hasConflicts: conflicts, limit: .max)
            if csv.csv, try csv.print(try replica.accountTable(query), json: output.json) { return }
            let accounts = try replica.accounts(query)
            // A territory's list is tens of thousands of rows: written directly, not through JSONEncoder.
            if output.json { return printJSON(bytes: AccountListJSON.bytes(accounts)) }
            table(["ID", "NAME", "STAGE", "SHARE", "OWNER", "REGION", "TIER", ""], accounts.map { account in
                [short(account.id), account.name, account.stage.rawValue, account.share.text, account.owner ?? "",
                 account.region ?? "", account.tier.text,
                 account.needsResolution || !account.flags.isEmpty ? "needs review" : ""]
            }) { _, column, text in column == 7 && !text.isEmpty ? terminal.yellow(text) : text }
        }
    }

    struct Show: KamCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one account with its people, history and conflicts.")

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
            commandName: "set",
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
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an account.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account: its name or id, or the start of either.") var account: String

        func execute() async throws {
            let id = try home.replica().deleteAccount(account)
            FileHandle.standardError.write(Data("deleted \(safe(id.rawValue))\n".utf8))
        }
    }
}

extension Kam.AccountCommand {
    struct Reassign: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "reassign",
            abstract: "Move every account one user owns to another (a rep leaves, territories are redrawn).",
            discussion: """
                Prints the accounts it will move, then moves them on this laptop; the server takes the change at the \
                next 'kam sync' (only managers and admins may change owners). Asks before moving when run at a \
                terminal; --yes moves without asking, --dry-run only prints.
                """)

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @Option(help: "The user whose accounts move.") var from: String
        @Option(help: "The user they move to.") var to: String
        @Option(help: "Only accounts in this region.") var region: String?
        @Option(help: "Only accounts at this stage.") var stage: Stage?
        @Flag(help: "Move without asking.") var yes = false
        @Flag(help: "Print what would move, and move nothing.") var dryRun = false

        func execute() async throws {
            let replica = try home.replica()
            let plan = try replica.reassignment(from: from, to: to, region: region, stage: stage)
            if output.json {
                if !dryRun, !plan.accounts.isEmpty {
                    guard yes else { throw ValidationError("--json prints the plan only with --dry-run, or moves it with --yes") }
                    try replica.reassign(plan)
                }
                return try printJSON(plan)
            }
            guard !plan.accounts.isEmpty else {
                print("\(safe(plan.from)) owns no account on this laptop\(region.map { " in \(safe($0))" } ?? "")\(stage.map { " at \($0)" } ?? ""): nothing to move")
                return
            }
            let count = plan.accounts.count == 1 ? "1 account" : "\(plan.accounts.count) accounts"
            if !(try replica.knownUsers().contains(plan.to)) {
                FileHandle.standardError.write(Data(
                    "note: this laptop has seen no user named \(safe(plan.to)); the server refuses an owner who is no user, so check the name\n".utf8))
            }
            print("\(count) move from \(safe(plan.from)) to \(safe(plan.to)):")
            table(["ID", "NAME", "STAGE", "REGION", "OWNER"], plan.accounts.map {
                [short($0.id), $0.name, $0.stage.rawValue, $0.region ?? "", $0.owner ?? ""]
            })
            if dryRun { return }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw ValidationError("nothing was moved: add --yes to move them without being asked, or --dry-run to only look")
                }
                FileHandle.standardError.write(Data("Move them? [y/N] ".utf8))
                guard let answer = readLine(), ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    print("nothing was moved")
                    return
                }
            }
            try replica.reassign(plan)
            print("moved \(count) to \(safe(plan.to)); the server takes it with the next 'kam sync'")
        }
    }
}
