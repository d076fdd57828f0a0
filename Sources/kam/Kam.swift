import ArgumentParser
import KAMClient
import KAMProtocol

@main
struct Kam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kam",
        abstract: "Manage your key accounts offline and sync them with the office.",
        version: "0.1.0 (protocol \(KAMProtocolVersion.current))"
    )
}
