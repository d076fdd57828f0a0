import Foundation
import GRDB
import KAMClient
import KAMFaults
import KAMProtocol
import KAMServer
import Logging
import Testing

/// The built binaries, next to the test bundle.
enum Binaries {
    static func url(_ name: String) -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name),
            Bundle.main.bundleURL.appendingPathComponent(name),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug/\(name)"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }
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
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits (bounded, a guard against a hang) until `ready` says a started
/// server serves; throws with its `log` when it ends first.
func waitUntilReady(_ process: Process, seconds: Double, log: URL, ready: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if ready() { return }
        guard process.isRunning else {
            throw POSIXError(.ECHILD, userInfo: [NSLocalizedDescriptionKey: (try? String(contentsOf: log, encoding: .utf8)) ?? ""])
        }
        usleep(20_000)
    }
    throw POSIXError(.ETIMEDOUT)
}

/// Runs a process to the end and returns its exit status, output and errors.
@discardableResult
func runProcess(_ executable: URL, _ arguments: [String], environment extra: [String: String] = [:]) throws -> (Int32, String, String) {
    let finished = try runToEnd(executable, arguments, environment: extra)
    return (finished.status, finished.out, finished.err)
}

/// How a process ended.
struct Finished {
    /// The exit status, or the signal when `killedBy` is set.
    var status: Int32
    /// The signal that ended it, if one did.
    var killedBy: Int32?
    var out: String
    var err: String
}

/// Runs a process to the end and says how it ended.
func runToEnd(_ executable: URL, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Finished {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
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
    return Finished(
        status: process.terminationStatus, killedBy: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil,
        out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
}

/// A real kam-server process on a fixed loopback port, over a data folder
/// (or a PostgreSQL database) that outlives it, so it can be killed and
/// started again.
final class ServerProcess: @unchecked Sendable {
    let directory: URL
    let port: Int
    /// The PostgreSQL database it serves from, instead of the data folder, when set.
    var database: String?
    private(set) var process: Process?
    private var logCount = 0
    /// The log of the newest start.
    private(set) var log: URL?

    init(directory: URL, database: String? = nil, port: Int? = nil) throws {
        self.directory = directory
        self.database = database
        self.port = try port ?? freePort()
    }

    /// The options naming where the data is.
    var storageArguments: [String] { database.map { ["--database", $0] } ?? ["--data-dir", data.path] }

    var url: String { "http://127.0.0.1:\(port)" }
    var data: URL { directory.appendingPathComponent("server") }

    /// Adds a user with the real CLI and returns the token.
    func addUser(_ name: String, role: String) throws -> String {
        let (status, out, err) = try runProcess(Binaries.url("kam-server"), ["user", "add", name, "--role", role] + storageArguments)
        guard status == 0 else { throw POSIXError(.EINVAL, userInfo: [NSLocalizedDescriptionKey: err]) }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the server and waits (bounded) until it accepts connections;
    /// `crashAt` arms a crash point in it.
    func start(crashAt point: CrashPoint? = nil) throws {
        logCount += 1
        let log = directory.appendingPathComponent("server-\(logCount).log")
        self.log = log
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = Binaries.url("kam-server")
        process.arguments = ["serve", "--port", String(port)] + storageArguments
        var environment = ProcessInfo.processInfo.environment
        environment[CrashPoint.environmentVariable] = point?.rawValue
        process.environment = environment
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        try waitUntilReady(process, seconds: 60, log: log) { (try? String(contentsOf: log, encoding: .utf8))?.contains("listening on") == true }
    }

    /// Waits (bounded, a guard against a hang) for the server to end by
    /// itself, and says how it ended: `nil` if it did not, and was stopped.
    func waitForEnd() -> (status: Int32, killedBy: Int32?, log: String)? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            kill9()
            return nil
        }
        process.waitUntilExit()
        let text = log.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil, text)
    }

    /// The ids of the replicas the server's database holds.
    func replicaIDs() async throws -> [String] {
        if let database {
            return try await OpenedStorage(try PostgresStore(url: try PostgresDatabaseURL(database), connections: 1, logger: Logger(label: "check")))
                .run { storage in try await storage.read { tx in try tx.replicas(user: nil).map(\.id.rawValue) } }
        }
        return try await DatabaseQueue(path: data.appendingPathComponent(SQLiteStore.fileName).path).read { db in
            try String.fetchAll(db, sql: "SELECT id FROM replicas")
        }
    }

    /// `kill -9`, and wait for it to be gone.
    func kill9() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, and wait for it to be gone.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// Every record state the server holds, read through its own store.
    func states() async throws -> [RecordID: RecordState] {
        guard let database else { return try await Self.states(SyncService(storage: try SQLiteStore.open(directory: data, logger: Logger(label: "check")))) }
        let logger = Logger(label: "check")
        return try await OpenedStorage(try PostgresStore(url: try PostgresDatabaseURL(database), connections: 1, logger: logger)).run { storage in
            try await Self.states(SyncService(storage: storage, logger: logger))
        }
    }

    /// Every record state `store` holds, as a manager pulls them.
    static func states(_ store: SyncService) async throws -> [RecordID: RecordState] {
        let reader = try await store.users().first { $0.role == .manager || $0.role == .admin }!
        var states: [RecordID: RecordState] = [:]
        var cursor: UInt64 = 0
        var more = true
        while more {
            let page = try await store.pull(since: cursor, limit: 10_000, for: reader)
            for record in page.records { states[record.id] = states[record.id].map { $0.joined(with: record) } ?? record }
            cursor = page.cursor
            more = page.hasMore
        }
        return states
    }
}

/// A laptop: a replica home used by the real `kam` binary.
struct LaptopProcess {
    let home: URL

    @discardableResult
    func kam(_ arguments: [String]) throws -> (Int32, String, String) {
        try runProcess(Binaries.url("kam"), arguments + ["--home", home.path])
    }

    /// Runs `kam ARGUMENTS` with a crash point armed, and says how it ended.
    func kam(_ arguments: [String], crashAt point: CrashPoint) throws -> Finished {
        try runToEnd(Binaries.url("kam"), arguments + ["--home", home.path], environment: [CrashPoint.environmentVariable: point.rawValue])
    }

    /// Starts `kam ARGUMENTS` without waiting, to be killed.
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = Binaries.url("kam")
        process.arguments = arguments + ["--home", home.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The replica, opened through the library (no kam process may run meanwhile).
    func replica() throws -> Replica {
        try Replica(store: ReplicaStore.open(home: ReplicaHome(url: home)))
    }

    /// Whether every field state this replica holds as acknowledged is on the server.
    func acknowledgedIsOnServer(_ server: [RecordID: RecordState]) throws -> [String] {
        let store = try ReplicaStore.open(home: ReplicaHome(url: home))
        return try store.acknowledgedStates().compactMap { state in
            let there = server[state.id] ?? RecordState(kind: state.kind, id: state.id)
            for (field, register) in state.fields where !there[field].context.covers(register.context) {
                return "\(state.id) \(field): acknowledged here, missing on the server"
            }
            if !there.existence.context.covers(state.existence.context) { return "\(state.id): acknowledged delete missing on the server" }
            return nil
        }
    }
}
