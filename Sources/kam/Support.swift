import ArgumentParser
import Foundation
import KAMClient
import KAMFaults
import KAMProtocol
import KAMTables

/// Where the replica lives.
struct HomeOptions: ParsableArguments {
    @Option(help: "The replica's folder (default: $KAM_HOME, else $XDG_DATA_HOME/kam, else ~/.local/share/kam).")
    var home: String?

    var resolved: ReplicaHome { ReplicaHome.resolve(explicit: home, environment: ProcessInfo.processInfo.environment) }

    func replica() throws -> Replica {
        try Replica(store: ReplicaStore.open(home: resolved))
    }

    /// The arguments with every `--home DIR` / `--home=DIR` that comes before
    /// the subcommand moved behind it, where each subcommand reads it (at the
    /// end, or before a `--` that ends the options). Everything else, order
    /// included, stays as typed; a `--home` with no value is left for the
    /// parser to report.
    static func movingLeadingHome(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--home=") {
                moved += ["--home", String(argument.dropFirst("--home=".count))]
                index += 1
            } else if argument == "--home", index + 1 < arguments.count {
                moved += ["--home", arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        guard !moved.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        let end = rest.firstIndex(of: "--") ?? rest.endIndex
        rest.insert(contentsOf: moved, at: end)
        return rest
    }
}

/// The token given with `--token` (`-`: one line from standard input), else
/// `$KAM_TOKEN` when `useEnvironment`; `nil` when none was given.
func readToken(_ option: String?, useEnvironment: Bool) throws -> String? {
    try TokenInput.resolve(
        option: option, environment: ProcessInfo.processInfo.environment, useEnvironment: useEnvironment,
        readLine: { Swift.readLine(strippingNewline: true) })
}

/// `--json` for read commands.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print JSON (shapes in docs/CLI.md) instead of a table.")
    var json = false
}

/// A kam command: runs `execute`, and turns errors into a message on standard
/// error and the documented exit code.
protocol KamCommand: AsyncParsableCommand {
    func execute() async throws
}

extension KamCommand {
    mutating func run() async throws {
        if let name = CrashPoint.unknownArmedName {
            throw fail(
                "\(CrashPoint.environmentVariable)='\(name)' names no crash point: use one of \(CrashPoint.allCases.map(\.rawValue).joined(separator: ", ")), or unset it",
                code: .validationFailure)
        }
        do {
            try await execute()
        } catch let error as ClientError {
            throw fail(error.description, code: .validationFailure)
        } catch let error as DomainError {
            throw fail(error.description, code: .validationFailure)
        } catch let error as StageRuleError {
            throw fail(error.description, code: .validationFailure)
        } catch let error as SyncFailure {
            throw fail(error.description, code: .failure)
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail("\(error)", code: .failure)
        }
    }
}

func fail(_ message: String, code: ExitCode) -> ExitCode {
    // Messages echo what was typed and what the server said: neither may write to the terminal.
    FileHandle.standardError.write(Data("kam: \(DisplayText.sanitize(message, multiline: true))\n".utf8))
    return code
}

/// Parses typed input with the domain's own message on failure.
func typed<T>(_ body: () throws(DomainError) -> T) throws -> T {
    do { return try body() } catch { throw ClientError.domain(error) }
}

/// Prints a value as indented, key-sorted JSON.
func printJSON(_ value: some Encodable) throws {
    let encoder = WireFormat.encoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // The encoder escapes U+0000 to U+001F; DEL and the C1 characters are escaped here.
    print(DisplayText.escapingControlsInJSON(String(decoding: try encoder.encode(value), as: UTF8.self)))
}

/// Prints JSON text made by a writer of its own (see `AccountListJSON`), with a final newline.
func printJSON(bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes + [0x0A]))
}

let terminal = Terminal.current()

/// Prints a table; every cell is sanitized, and `style` may colour a cell afterwards.
func table(_ headers: [String], _ rows: [[String]], style: ((_ row: Int, _ column: Int, _ text: String) -> String)? = nil) {
    // Without colour a style changes nothing: left out, the cells are copied as bytes.
    print(TextTable(headers: headers, rows: rows).render(headerStyle: terminal.bold, style: terminal.colour ? style : nil))
}

/// Text from the replica or the server, made safe to print outside a table.
func safe(_ text: String, multiline: Bool = false) -> String { DisplayText.sanitize(text, multiline: multiline) }

extension Stage: ExpressibleByArgument {}
extension Tier: ExpressibleByArgument {}
extension BuyingRole: ExpressibleByArgument {}
extension ActivityKind: ExpressibleByArgument {}
extension OpportunityKind: ExpressibleByArgument {}

extension Optional where Wrapped: CustomStringConvertible {
    var text: String { map(\.description) ?? "" }
}

/// The field changes of a `set` command: the options given, and the fields to clear.
func fieldChanges(_ options: KeyValuePairs<String, String?>, clear: [String]) -> [String: String?] {
    var changes: [String: String?] = [:]
    for (field, value) in options {
        if let value { changes[field] = .some(value) }
    }
    for field in clear { changes[field] = .some(nil) }
    return changes
}

extension Timestamp {
    /// The first `length` characters of the ISO form (10: the day, 16: to the
    /// minute); an instant outside the years 1 to 9999 whole, as its raw number.
    func shown(_ length: Int) -> String {
        let text = description
        return text.hasSuffix("Z") ? String(text.prefix(length)) : text
    }
}

/// A short form of an id for tables; commands accept any unique prefix.
func short(_ id: RecordID) -> String { String(id.rawValue.prefix(8)) }

/// `--csv` and `--bom` for list commands.
struct CSVOption: ParsableArguments {
    @Flag(help: "Print CSV (UTF-8) instead of a table.")
    var csv = false
    @Flag(help: "With --csv: start with a UTF-8 byte order mark, so spreadsheet programs read Chinese text right.")
    var bom = false

    func validate() throws {
        if bom && !csv { throw ValidationError("--bom goes with --csv") }
    }

    /// Writes `table` to standard output when `--csv` was given; returns whether it did.
    func print(_ table: CSVTable, json: Bool) throws -> Bool {
        guard csv else { return false }
        if json { throw ValidationError("choose one of --csv and --json") }
        let data = table.data(byteOrderMark: bom)
        if isatty(STDOUT_FILENO) == 1 {
            // Read by a person: other laptops' text may hold control characters the terminal would obey.
            Swift.print(DisplayText.sanitize(String(decoding: data, as: UTF8.self), multiline: true), terminator: "")
        } else {
            FileHandle.standardOutput.write(data)
        }
        return true
    }
}
