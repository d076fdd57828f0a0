import ArgumentParser
import KAMProtocol

@main
struct Kam: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kam",
        abstract: "Manage your key accounts offline and sync them with the office.",
        discussion: """
            Every command works offline on this laptop's replica; 'kam sync' is the only one that needs the server.
            Every command takes --home DIR, before or after the subcommand.
            Exit codes: 0 success, 1 runtime failure (network, server), 64 a mistake in what was typed.
            """,
        version: "0.1.0 (protocol \(KAMProtocolVersion.current))",
        subcommands: [
            Init.self, AccountCommand.self, StageCommand.self, ShareCommand.self, ContactCommand.self,
            ActivityCommand.self, OpportunityCommand.self, ReportCommand.self, SyncCommand.self, StatusCommand.self,
            ConflictsCommand.self, ResolveCommand.self, RefusedCommand.self, ConfigCommand.self,
        ]
    )

    /// Runs the command line, taking `--home DIR` before the subcommand too (`kam --home DIR init …`).
    static func main() async {
        await main(HomeOptions.movingLeadingHome(Array(CommandLine.arguments.dropFirst())))
    }
}
