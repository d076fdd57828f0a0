import ArgumentParser
import KAMClient
import KAMProtocol

extension Kam {
    struct OpportunityCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "opportunity", abstract: "Openings to move up at an account (the eight kinds).",
            subcommands: [Add.self, List.self])
    }
}

extension Kam.OpportunityCommand {
    struct Add: KamCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Record an opportunity and print its id.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account: its name or id, or the start of either.") var account: String
        @Option(help: "\(OpportunityKind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: OpportunityKind
        @Option(help: "What the opening is.") var note: String

        func execute() async throws {
            print(try home.replica().addOpportunity(account, kind: kind, note: note).id)
        }
    }

    struct List: KamCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List opportunities of an account, or of all.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @Argument(help: "The account (default: all).") var account: String?

        func execute() async throws {
            let replica = try home.replica()
            let opportunities = try replica.records(Opportunity.self, account: account).sorted { ($0.kind.rawValue, $0.id) < ($1.kind.rawValue, $1.id) }
            if output.json { return try printJSON(opportunities) }
            let names = try replica.accountNames()
            table(["ID", "KIND", "STATUS", "ACCOUNT", "NOTE"], opportunities.map {
                [short($0.id), $0.kind.rawValue, $0.status.rawValue, names[$0.account] ?? "", $0.note ?? ""]
            })
        }
    }
}
