import ArgumentParser
import KAMClient
import KAMProtocol

/// `--from` and `--to` of a report over days.
struct DayRangeOptions: ParsableArguments {
    @Option(help: "The first day (YYYY-MM-DD).") var from: String?
    @Option(help: "The last day (YYYY-MM-DD).") var to: String?

    func range(default fallback: DayRange) throws -> DayRange {
        if from == nil, to == nil { return fallback }
        let first = try from.map { text in try typed { () throws(DomainError) in try Day(parsing: text) } }
        let last = try to.map { text in try typed { () throws(DomainError) in try Day(parsing: text) } }
        do { return try DayRange(from: first, to: last) } catch { throw fail(error.description, code: .validationFailure) }
    }
}

extension DayRange {
    var shown: String { "\(from.text.isEmpty ? "the start" : from.text) to \(to.text.isEmpty ? "now" : to.text)" }
}

extension Kam.ReportCommand {
    struct Pyramid: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "pyramid",
            abstract: "The value pyramid: accounts in tiers by our sales (platinum top 1 %, gold next 4 %, iron next 15 %, lead the rest).",
            discussion: "Sales come from the share records in the range; by default the last four quarters that have ended.")
        @Option(help: "The first period (2026-Q1 or 2026-01).") var from: String?
        @Option(help: "The last period (2026-Q4 or 2026-12).") var to: String?
        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption

        func execute() async throws {
            let first = try from.map { text in try typed { () throws(DomainError) in try Period(parsing: text) } }
            let last = try to.map { text in try typed { () throws(DomainError) in try Period(parsing: text) } }
            let range: PeriodRange
            do { range = try PeriodRange.asked(from: first, to: last, today: Day.today()) } catch {
                throw fail(error.description, code: .validationFailure)
            }
            let report = PyramidReport(try home.replica().reportData(), range: range)
            if output.json { return try printJSON(report) }
            print("Our sales \(range.from) to \(range.to): \(report.ourSales)")
            table(
                ["TIER", "ACCOUNTS", "OUR SALES", "OF SALES", "RECORDED"],
                report.tiers.map { [$0.tier.rawValue, String($0.accounts), $0.ourSales.description, $0.shareOfSales.text, String($0.recorded)] })
            print("")
            table(
                ["ID", "NAME", "OWNER", "OUR SALES", "TIER", "RECORDED"],
                report.accounts.map {
                    [short($0.account.id), $0.account.name, $0.account.owner ?? "", $0.ourSales.description, $0.tier.rawValue,
                     $0.recordedTier.text + ($0.differs ? " (differs)" : "")]
                })
        }
    }

    struct Movements: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "movements",
            abstract: "Stage changes in a range of days, up and down, with who and why (default: this quarter).")
        @OptionGroup var days: DayRangeOptions
        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption

        func execute() async throws {
            let range = try days.range(default: DayRange.quarterToDate(Day.today()))
            let report = MovementReport(try home.replica().reportData(), range: range)
            if output.json { return try printJSON(report) }
            print("Stage changes from \(range.shown): \(report.up) up, \(report.down) down")
            table(
                ["WHEN", "ACCOUNT", "FROM", "TO", "MOVE", "SHARE", "BY", "WHY"],
                report.movements.map {
                    [$0.at.shown(16), $0.account.name, $0.from.text, $0.to.rawValue, $0.direction.rawValue, $0.share.text,
                     $0.author ?? "", $0.reason ?? ""]
                })
        }
    }

    struct Declining: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "declining",
            abstract: "Accounts whose share is falling while the customer's spend holds, largest fall first.")
        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption

        func execute() async throws {
            let report = DecliningReport(try home.replica().reportData())
            if output.json { return try printJSON(report) }
            if report.accounts.isEmpty { return print("No account is in decline.") }
            table(
                ["ID", "ACCOUNT", "OWNER", "PERIODS", "PACE", "OUR SALES", "CUSTOMER SPEND", "FALL"],
                report.accounts.map {
                    [short($0.account.id), $0.account.name, $0.account.owner ?? "", "\($0.fromPeriod)–\($0.toPeriod)", $0.pace,
                     "\($0.ourSalesFrom) → \($0.ourSalesTo)", "\($0.customerSpendFrom) → \($0.customerSpendTo)", $0.drop.description]
                })
        }
    }

    struct Risks: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "risks",
            abstract: "Accounts hanging on one contact, or with no decision maker known.")
        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption

        func execute() async throws {
            let report = RiskReport(try home.replica().reportData())
            if output.json { return try printJSON(report) }
            if report.accounts.isEmpty { return print("No account is at risk.") }
            print("\(report.singleContact) single-threaded, \(report.noDecisionMaker) with no decision maker known")
            table(
                ["ID", "ACCOUNT", "OWNER", "STAGE", "CONTACTS", "RISKS"],
                report.accounts.map {
                    [short($0.account.id), $0.account.name, $0.account.owner ?? "", $0.account.stage.rawValue, String($0.contacts),
                     $0.risks.map(\.rawValue).joined(separator: ", ")]
                })
        }
    }

    struct Complaints: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "complaints",
            abstract: "Complaints from every rep, by account, newest first (default: all of them).")
        @OptionGroup var days: DayRangeOptions
        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption

        func execute() async throws {
            let range = try days.range(default: try DayRange())
            let report = ComplaintReport(try home.replica().reportData(), range: range)
            if output.json { return try printJSON(report) }
            if report.total == 0 { return print("No complaints from \(range.shown).") }
            table(
                ["DATE", "ACCOUNT", "BY", "NOTE"],
                report.accounts.flatMap { group in
                    group.complaints.map { [$0.date.text, group.account.name, $0.author ?? "", $0.note ?? ""] }
                })
        }
    }
}
