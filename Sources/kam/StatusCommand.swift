import ArgumentParser
import KAMClient
import KAMProtocol

extension Kam {
    struct StatusCommand: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "This replica: server, user, pending changes, last sync, conflicts and refused edits.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption

        func execute() async throws {
            let status = try home.replica().status()
            if output.json { return try printJSON(status) }
            let rows = [
                ["replica", status.replica.rawValue],
                ["server", status.server],
                ["user", status.user ?? "(known after the first sync)"],
                ["pending changes", String(status.pending)],
                ["last sync", status.lastSync.map(\.description) ?? "never"],
                ["conflicts", String(status.conflicts)],
                ["review flags", String(status.reviewFlags)],
                ["refused edits", String(status.refused.count)],
            ]
            print(TextTable(headers: ["", ""], rows: rows).renderRows { row, column, text in
                row >= rows.count - 3 && column == 1 && text != "0" ? terminal.yellow(text) : text
            })
            if !status.refused.isEmpty {
                print("\n" + terminal.bold("refused by the server") + " (they stay here; 'kam refused --drop' forgets them once read)")
                table(["KIND", "RECORD", "CODE", "MESSAGE"], status.refused.map { [$0.kind.rawValue, short($0.record), $0.code, $0.message] })
            }
        }
    }

    struct RefusedCommand: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "refused", abstract: "Edits the server refused; --drop forgets them once you have read them.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @Flag(help: "Forget the refusals (of RECORD, or all).") var drop = false
        @Argument(help: "Only this record.") var record: String?

        func execute() async throws {
            let replica = try home.replica()
            if drop {
                let count = try replica.dropRefusals(record: record)
                print("dropped \(count)")
                return
            }
            let refused = try replica.status().refused
            if output.json { return try printJSON(refused) }
            table(["KIND", "RECORD", "CODE", "MESSAGE"], refused.map { [$0.kind.rawValue, $0.record.rawValue, $0.code, $0.message] })
        }
    }
}
