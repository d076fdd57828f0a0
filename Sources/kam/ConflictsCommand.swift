import ArgumentParser
import KAMClient
import KAMProtocol

extension Kam {
    struct ConflictsCommand: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "conflicts",
            abstract: "Every field with more than one value, every delete-versus-edit conflict, and every review flag.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption

        func execute() async throws {
            let report = try home.replica().conflicts()
            if output.json { return try printJSON(report) }
            if report.conflicts.isEmpty && report.reviewFlags.isEmpty {
                print("nothing to settle")
                return
            }
            var rows: [[String]] = []
            for entry in report.conflicts {
                let conflict = entry.conflict
                let where_ = conflict.recordKind == .account ? (entry.accountName ?? "") : "\(entry.accountName ?? "") › \(conflict.recordKind) \(short(conflict.record))"
                let field = conflict.field ?? "deleted"
                if conflict.kind == .deleteVersusEdit {
                    rows.append([where_, field, "1", "no: keep it, edited by " + Set(conflict.values.compactMap(\.author)).sorted().joined(separator: ", "), "", ""])
                    rows.append(["", "", "2", "yes: deleted by " + conflict.deletedBy.joined(separator: ", "), "", ""])
                    continue
                }
                for (index, value) in conflict.values.enumerated() {
                    rows.append([index == 0 ? where_ : "", index == 0 ? field : "", String(index + 1), value.value.description,
                                 value.author ?? value.replica.rawValue, value.at.shown(16)])
                }
            }
            if !rows.isEmpty { table(["RECORD", "FIELD", "#", "VALUE", "BY", "AT (THEIR CLOCK)"], rows) }
            if !report.reviewFlags.isEmpty {
                print("\n" + terminal.bold("review flags"))
                table(["ACCOUNT", "FLAG"], report.reviewFlags.flatMap { flagged in flagged.flags.map { [flagged.accountName, $0.message] } })
            }
            print(terminal.dim("\nSettle one with: kam resolve RECORD FIELD --keep N (or --value V); for 'deleted', --value no keeps the record."))
        }
    }

    struct ResolveCommand: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve", abstract: "Settle a conflict with an ordinary write that covers every value.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account (name or id, or the start of either) or another record's id.") var record: String
        @Argument(help: "The field in conflict, or 'deleted' for a delete-versus-edit conflict.") var field: String
        @Option(help: "Write this value.") var value: String?
        @Option(help: "Keep value N, as 'kam conflicts' numbers them.") var keep: Int?

        func validate() throws {
            guard (value == nil) != (keep == nil) else { throw ValidationError("give exactly one of --value V or --keep N") }
        }

        func execute() async throws {
            try home.replica().resolve(record, field: field, keep.map(Replica.Resolution.keep) ?? .value(value!))
        }
    }
}
