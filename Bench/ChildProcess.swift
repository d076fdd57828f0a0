import Foundation

/// Runs `executable` to the end; stdout is kept or sent to /dev/null.
@discardableResult
func runProcess(_ executable: URL, _ arguments: [String], keepOutput: Bool = true) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    let errors = Pipe()
    let output = Pipe()
    process.standardOutput = keepOutput ? output : FileHandle.nullDevice
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = keepOutput ? output.fileHandleForReading.readDataToEndOfFile() : Data()
    let errData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Runs `executable` and fails unless it exits 0.
@discardableResult
func runChecked(_ executable: URL, _ arguments: [String], keepOutput: Bool = true) throws -> String {
    let result = try runProcess(executable, arguments, keepOutput: keepOutput)
    guard result.status == 0 else {
        throw BenchError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors)")
    }
    return result.output
}

/// A free TCP port on loopback (the kernel's pick, released for the caller).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw BenchError("no free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A `kam-server serve` process over a data folder.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: URL

    /// `extra` adds `serve` options, such as a larger `--max-concurrent-syncs`;
    /// `database` serves from PostgreSQL instead of the data folder (which then holds only the log).
    init(binary: URL, data: URL, database: String? = nil, extra: [String] = []) throws {
        port = try freePort()
        log = data.appendingPathComponent("server-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = binary
        let storage = database.map { ["--database", $0] } ?? ["--data-dir", data.path]
        process.arguments = ["serve", "--port", String(port), "--log-level", "warning"] + storage + extra
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if Self.accepts(port: port) { return }
            guard process.isRunning else { throw BenchError("kam-server stopped: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")") }
            usleep(20_000)
        }
        throw BenchError("kam-server did not start within 60 s")
    }

    /// Whether something accepts TCP connections on the loopback `port`.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// The server's peak resident memory so far (VmHWM), in bytes.
    var peakResidentBytes: Int64 {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let kib = status.split(separator: "\n").first { $0.hasPrefix("VmHWM") }
            .flatMap { line in line.split(separator: " ").compactMap { Int64($0) }.first } ?? 0
        return kib * 1024
    }

    /// Bytes the server process has written through system calls (sockets, logs, database), from `/proc/PID/io`.
    var writtenBytes: Int64 {
        let io = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/io", encoding: .utf8)) ?? ""
        return io.split(separator: "\n").first { $0.hasPrefix("wchar:") }
            .flatMap { Int64($0.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    deinit { stop() }
}
