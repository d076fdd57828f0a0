import ArgumentParser
import KAMClient
import KAMProtocol
import KAMTables

extension Kam {
    struct ShareCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "share", abstract: "Record or list the customer's spend and our sales per period.",
            subcommands: [Record.self, List.self], defaultSubcommand: Record.self)
    }
}

extension Kam.ShareCommand {
    struct Record: KamCommand {
        static let configuration = CommandConfiguration(commandName: "record", abstract: "Record a period's figures; the share follows from them.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account: its name or id, or the start of either.") var account: String
        @Option(help: "A quarter like 2026-Q3, or a month like 2026-07.") var period: String
        @Option(help: "What the customer bought in our category, from everyone.") var customerSpend: String
        @Option(help: "What the customer bought from us.") var ourSales: String

        func execute() async throws {
            let period = try typed { () throws(DomainError) in try Period(parsing: self.period) }
            let spend = try typed { () throws(DomainError) in try Money(parsing: customerSpend) }
            let sales = try typed { () throws(DomainError) in try Money(parsing: ourSales) }
            let record = try home.replica().recordShare(account, period: period, customerSpend: spend, ourSales: sales)
            print("\(record.period): share \(record.share.map(\.description) ?? "unknown (no spend)")")
        }
    }

    struct List: KamCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the share records of an account, or of all.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @OptionGroup var csv: CSVOption
        @Argument(help: "The account: its name or id, or the start of either (default: all).") var account: String?

        func execute() async throws {
            let replica = try home.replica()
            let records = try replica.records(ShareRecord.self, account: account).sorted { ($0.account, $0.period) < ($1.account, $1.period) }
            if csv.csv, try csv.print(RecordTable.shareRecords(records, accountNames: try replica.accountNames()), json: output.json) { return }
            if output.json { return try printJSON(records) }
            let names = account == nil ? try replica.accountNames() : [:]
            table((account == nil ? ["ACCOUNT"] : []) + ["PERIOD", "CUSTOMER SPEND", "OUR SALES", "SHARE"], records.map {
                (account == nil ? [names[$0.account] ?? $0.account.rawValue] : [])
                    + [$0.period.rawValue, $0.customerSpend.description, $0.ourSales.description, $0.share.text]
            })
        }
    }
}
