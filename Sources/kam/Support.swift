import ArgumentParser
import Foundation
import KAMClient
import KAMFaults
import KAMProtocol

/// Where the replica lives.
struct HomeOptions: ParsableArguments {
    @Option(help: "The replica's folder (default: $KAM_HOME, else $XDG_DATA_HOME/kam, else ~/.local/share/kam).")
    var home: String?

    var resolved: ReplicaHome { ReplicaHome.resolve(explicit: home, environment: ProcessInfo.processInfo.environment) }

    func replica() throws -> Replica {
        try Replica(store: ReplicaStore.open(home: resolved))
    }
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
    FileHandle.standardError.write(Data("kam: \(message)\n".utf8))
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
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

let terminal = Terminal.current()

func table(_ headers: [String], _ rows: [[String]]) {
    print(TextTable(headers: headers, rows: rows).render(headerStyle: terminal.bold))
}

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

/// A short form of an id for tables; commands accept any unique prefix.
func short(_ id: RecordID) -> String { String(id.rawValue.prefix(8)) }
