import ArgumentParser
import Foundation
import KAMClient
import KAMProtocol
import Logging

extension Kam {
    struct SyncCommand: KamCommand {
        /// Redraws one progress line on standard error.
        @Sendable static func drawProgress(_ progress: SyncProgress) {
            let bytes = progress.bytesSent + progress.bytesReceived
            let size = bytes < 10_240 ? "\(bytes) B" : bytes < 10_485_760 ? "\(bytes / 1_024) KiB" : "\(bytes / 1_048_576) MiB"
            FileHandle.standardError.write(Data("\r\u{1B}[K\(progress.phase.rawValue) \(progress.done) · \(size)".utf8))
        }

        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Push this laptop's changes and pull everyone else's.",
            discussion: "A sync cut off at any moment loses nothing; run it again to resume.")

        @OptionGroup var home: HomeOptions
        @Flag(help: "Print a JSON summary: pushed, refused, pulled, newConflicts, removed, bytesSent, bytesReceived.") var json = false
        @Option(help: "Seconds to wait for a connection.") var connectTimeout = 15
        @Option(help: "Seconds a transfer may stall before it is retried.") var stallTimeout = 30

        func execute() async throws {
            let store = try ReplicaStore.open(home: home.resolved)
            let settings = try store.settings()
            let transport = CurlTransport(connectTimeout: connectTimeout, stallTimeout: stallTimeout, caCertificate: settings.caCertificate)
            let engine = SyncEngine(store: store, transport: transport, logger: Logger(label: "kam.sync", factory: { _ in SwiftLogNoOpLogHandler() }))
            let showProgress = terminal.progress && !json
            let summary = try await engine.sync(progress: showProgress ? Self.drawProgress : nil)
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if json { return try printJSON(summary) }
            var line = "synced: pushed \(summary.pushed), pulled \(summary.pulled)"
            if summary.refused > 0 { line += ", " + terminal.yellow("\(summary.refused) refused (see 'kam refused')") }
            if summary.newConflicts > 0 { line += ", " + terminal.yellow("\(summary.newConflicts) new conflicts (see 'kam conflicts')") }
            print(line)
            for removed in summary.removed { print(terminal.yellow(Self.describe(removed))) }
        }

        /// One line for an account, or records on it, that left this laptop.
        static func describe(_ removed: RemovedAccount) -> String {
            let name = safe(removed.name)
            var line: String
            switch (removed.reason, removed.accountRemoved) {
            case (.reassigned, true):
                let owners = removed.owners.isEmpty ? "someone else" : removed.owners.map { safe($0) }.joined(separator: " and ")
                line = "\(name) was reassigned to \(owners) and removed from this laptop"
            case (.accessEnded, true):
                line = "\(name) is no longer yours and was removed from this laptop"
            case (_, true):
                line = "\(name) was removed from this laptop"
            case (_, false):
                line = "\(removed.records) record\(removed.records == 1 ? "" : "s") of \(name) moved to an account you do not hold and left this laptop"
            }
            if removed.refusedEdits > 0 {
                line += "; \(removed.refusedEdits) of your edits to it \(removed.refusedEdits == 1 ? "was" : "were") not accepted (kam refused)"
            }
            return line
        }
    }
}
