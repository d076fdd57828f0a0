import ArgumentParser
import Foundation
import KAMClient
import KAMProtocol
import KAMTables

extension Kam {
    struct ActivityCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "activity", abstract: "Visits, calls, meetings, emails, complaints and notes.",
            subcommands: [Log.self, List.self])
    }
}

extension Kam.ActivityCommand {
    struct Log: KamCommand {
        static let configuration = CommandConfiguration(commandName: "log", abstract: "Log an activity against an account and print its id.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account: its name or id, or the start of either.") var account: String
        @Option(help: "visit, call, meeting, email, complaint or note.") var kind: ActivityKind
        @Option(help: "What happened.") var note: String
        @Option(help: "The day, like 2026-11-23 (default: today).") var date: String?

        func execute() async throws {
            let day = try date.map { text in try typed { () throws(DomainError) in try Day(parsing: text) } } ?? Self.today()
            let activity = try home.replica().logActivity(account, kind: kind, note: note, date: day)
            print(activity.id)
        }

        static func today() throws -> Day {
            let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
            let text = String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
            return try typed { () throws(DomainError) in try Day(parsing: text) }
        }
    }

    struct List: KamCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List activities, newest first, of an account or of all.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @OptionGroup var csv: CSVOption
        @Argument(help: "The account (default: all).") var account: String?
        @Option(help: "Only this kind.") var kind: ActivityKind?

        func execute() async throws {
            let replica = try home.replica()
            let activities = try replica.records(Activity.self, account: account)
                .filter { kind == nil || $0.kind == kind }
                .sorted { ($0.date, $0.id) > ($1.date, $1.id) }
            let names = try replica.accountNames()
            if try csv.print(RecordTable.activities(activities, accountNames: names), json: output.json) { return }
            if output.json { return try printJSON(activities) }
            table(["DATE", "KIND", "ACCOUNT", "BY", "NOTE"], activities.map {
                [$0.date.description, $0.kind.rawValue, names[$0.account] ?? "", $0.author ?? "", $0.note ?? ""]
            }) { _, column, text in column == 1 && text == ActivityKind.complaint.rawValue ? terminal.yellow(text) : text }
        }
    }
}
