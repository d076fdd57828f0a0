import ArgumentParser
import KAMProtocol
import KAMServer

@main
struct KamServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kam-server",
        abstract: "The kam sync server: merges every rep's changes and answers the office.",
        version: "0.1.0 (protocol \(KAMProtocolVersion.current))"
    )
}
