import Foundation
import Testing

/// Runs the built `kam` binary, as a user would, and captures what it prints.
struct KamProcess {
    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    /// The `kam` executable next to the test bundle.
    static var executable: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kam"),
            Bundle.main.bundleURL.appendingPathComponent("kam"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug/kam"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    let home: URL

    init() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("kam-cli-\(UUID().uuidString)")
    }

    func remove() { try? FileManager.default.removeItem(at: home) }

    /// Runs `kam ARGUMENTS --home HOME` (the home is added unless `withHome` is false).
    @discardableResult
    func run(_ arguments: [String], withHome: Bool = true, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + (withHome ? ["--home", home.path] : [])
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["KAM_HOME"] = nil
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }
}
