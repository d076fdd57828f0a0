import Foundation

/// The built `kam` binary in a fresh home of its own, run as a user would.
struct KamProcess {
    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    let home = FileManager.default.temporaryDirectory.appendingPathComponent("kam-cli-\(UUID().uuidString)")

    init() throws {}

    func remove() { try? FileManager.default.removeItem(at: home) }

    /// Runs `kam ARGUMENTS` exactly as given (no `--home` added), with `input`
    /// on standard input and `environment` over the test's own.
    @discardableResult
    func runRaw(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Binaries.url("kam")
        process.arguments = arguments
        var full = ProcessInfo.processInfo.environment
        full["NO_COLOR"] = "1"
        full["KAM_HOME"] = ""
        full["KAM_TOKEN"] = nil
        for (key, value) in environment { full[key] = value }
        process.environment = full
        let (out, err, stdin) = (Pipe(), Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `kam ARGUMENTS --home HOME` with standard input and extra environment.
    @discardableResult
    func run(_ arguments: [String], input: String?, environment: [String: String] = [:]) throws -> Result {
        try runRaw(arguments + ["--home", home.path], input: input, environment: environment)
    }

    /// Runs `kam ARGUMENTS --home HOME` with `NO_COLOR` set and no `KAM_HOME`.
    @discardableResult
    func run(_ arguments: [String]) throws -> Result {
        let (status, out, err) = try runProcess(Binaries.url("kam"), arguments + ["--home", home.path], environment: ["KAM_HOME": ""])
        return Result(status: status, out: out, err: err)
    }
}
