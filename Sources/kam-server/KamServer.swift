import ArgumentParser
import KAMProtocol
import KAMServer

@main
struct KamServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kam-server",
        abstract: "The kam sync server: merges every rep's changes and answers the office.",
        version: "0.1.0 (protocol \(KAMProtocolVersion.current))",
        subcommands: [Serve.self, UserCommand.self, ReplicaCommand.self, Migrate.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The folder holding the server's embedded database (default: $KAM_SERVER_DATA, else $XDG_DATA_HOME/kam-server, else ~/.local/share/kam-server).")
    var dataDirectory: String?

    @Option(help: ArgumentHelp(
        "A PostgreSQL database to keep the data in instead (default: $KAM_DATABASE_URL).",
        discussion: "postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=disable|prefer|require|verify-full]",
        valueName: "url"))
    var database: String?

    @Option(help: "How much to log: trace, debug, info, notice, warning, error, critical.")
    var logLevel: LogLevelOption = .info
}
