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
                print("\n" + terminal.bold("not accepted by the server") + " (they stay here; see 'kam refused')")
                RefusedCommand.print(status.refused)
            }
        }
    }

    struct RefusedCommand: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "refused",
            abstract: "Edits the server did not accept, with their values; --drop forgets them and puts the server's values back.",
            discussion: """
                An edit is listed when the server refused it, or when its record left this laptop before it was sent \
                (the account was reassigned, or the record moved to an account you do not hold). Nothing is dropped \
                until you say so: hand the edits over with --json, or drop them; the server's values come back with \
                the next 'kam sync'.
                """)

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @Flag(help: "Forget these edits (of RECORD, or all); the server's values come back with the next sync.") var drop = false
        @Argument(help: "Only this record or account (its id, or the account's name or the start of either).") var record: String?

        func execute() async throws {
            let replica = try home.replica()
            if drop {
                let count = try replica.dropRefusals(record: record)
                Swift.print("dropped \(count); the server's values come back with the next 'kam sync'")
                return
            }
            let refused = try replica.refusals(record)
            if output.json { return try printJSON(refused) }
            if refused.isEmpty { return Swift.print("no refused edits") }
            Self.print(refused)
        }

        /// The refused edits as a table: where, what, and why.
        static func print(_ refused: [Refusal]) {
            table(["ACCOUNT", "KIND", "RECORD", "EDITS", "CODE", "MESSAGE"], refused.map { refusal in
                let edits = refusal.edits.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.description)" }.joined(separator: ", ")
                return [
                    refusal.accountName ?? refusal.account.map { short($0) } ?? "", refusal.kind.rawValue,
                    short(refusal.record) + (refusal.removed ? " (removed)" : ""), edits, refusal.code, refusal.message,
                ]
            })
        }
    }
}
