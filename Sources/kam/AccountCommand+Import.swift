import ArgumentParser
import Foundation
import KAMClient
import KAMProtocol
import KAMTables

extension Kam.AccountCommand {
    struct Import: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Add and update accounts from a CSV file.",
            discussion: """
                Columns as 'kam account list --csv' writes them: id, name, industry, region, owner, tier, stage, \
                share, notes. Only name is required. UTF-8, with or without a byte order mark. A line updates the \
                account its id names, else the one of the same name, else adds one: importing the same file twice \
                changes nothing. An empty cell clears its field; a column left out is left alone. Every line is \
                checked first: with any problem nothing is written.
                """)

        @OptionGroup var home: HomeOptions
        @Argument(help: "The CSV file ('-': standard input).") var file: String
        @Flag(help: "Check the file and say what would change; write nothing.") var dryRun = false
        @Flag(help: "Print what was done as JSON.") var json = false

        func execute() async throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let read = FileManager.default.contents(atPath: file) else {
                    throw fail("cannot read '\(file)': check the path and that you may read it", code: .validationFailure)
                }
                data = read
            }
            let table: CSVTable
            do { table = try CSVTable(reading: data) } catch { throw fail("\(file): \(error)", code: .validationFailure) }
            let source = file == "-" ? "standard input" : URL(fileURLWithPath: file).lastPathComponent
            let report = try home.replica().importAccounts(table, source: source, dryRun: dryRun)
            if json { try printJSON(report) }
            guard report.problems.isEmpty else {
                for problem in report.problems { FileHandle.standardError.write(Data("\(safe(file)): \(safe(problem.description))\n".utf8)) }
                throw fail("\(report.problems.count) line(s) cannot be imported; nothing was written", code: .validationFailure)
            }
            guard !json else { return }
            let verb = dryRun ? "would " : ""
            for change in report.added { print("\(verb)add \(safe(change.name)) (line \(change.line))") }
            for change in report.updated {
                print("\(verb)update \(safe(change.name)): \(change.fields.joined(separator: ", ")) (line \(change.line))")
            }
            print("\(report.added.count) added, \(report.updated.count) updated, \(report.unchanged) unchanged\(dryRun ? " (dry run: nothing written)" : "")")
        }
    }
}
