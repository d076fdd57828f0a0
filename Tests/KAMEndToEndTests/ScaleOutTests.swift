import Foundation
import KAMClient
import KAMProtocol
import KAMServer
import KAMServerTestSupport
import Testing

/// The real binaries on PostgreSQL: a team moved from the embedded store,
/// and two server processes behind a real nginx.
@Suite(
    "Scale-out", .serialized,
    .enabled(if: TestDatabases.postgresURL != nil, "needs the PostgreSQL cluster make test starts"))
struct ScaleOutTests {
    static func folder(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func summary(_ laptop: LaptopProcess) throws -> SyncSummary {
        let (status, out, err) = try laptop.kam(["sync", "--json"])
        guard status == 0 else { throw POSIXError(.EIO, userInfo: [NSLocalizedDescriptionKey: "kam sync failed: \(err)"]) }
        return try JSONDecoder().decode(SyncSummary.self, from: Data(out.utf8))
    }

    /// Whether the server log at `log` shows a push or a pull.
    static func servedSync(_ log: URL?) throws -> Bool {
        guard let log else { return false }
        let text = try String(contentsOf: log, encoding: .utf8)
        return text.contains("[KAMServer] push") || text.contains("[KAMServer] pull")
    }

    static func accountIDs(_ laptop: LaptopProcess) throws -> [String] {
        try JSONDecoder().decode([AccountSummary].self, from: Data(laptop.kam(["account", "list", "--json"]).1.utf8)).map(\.id.rawValue).sorted()
    }

    static func detail(_ laptop: LaptopProcess, _ id: String) throws -> AccountDetail {
        try JSONDecoder().decode(AccountDetail.self, from: Data(laptop.kam(["account", "show", id, "--json"]).1.utf8))
    }

    @Test("migrate moves a team to PostgreSQL: laptops sync on, on the same address, with no kam init, nothing lost or pulled twice")
    func migrateTeam() async throws {
        let directory = try Self.folder("migrate")
        let server = try ServerProcess(directory: directory)
        defer { server.stop(); try? FileManager.default.removeItem(at: directory) }
        let zhaoToken = try server.addUser("zhao", role: "manager")
        let liToken = try server.addUser("li", role: "rep")
        let officeToken = try server.addUser("office", role: "office")
        try server.start()
        let zhao = LaptopProcess(home: directory.appendingPathComponent("zhao"))
        let li = LaptopProcess(home: directory.appendingPathComponent("li"))
        #expect(try zhao.kam(["init", "--server", server.url, "--token", zhaoToken]).0 == 0)
        #expect(try li.kam(["init", "--server", server.url, "--token", liToken]).0 == 0)
        let baosteel = try zhao.kam(["account", "add", "宝钢集团", "--owner", "li"]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        let globex = try zhao.kam(["account", "add", "Globex", "--owner", "zhao"]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try Self.summary(zhao)
        _ = try Self.summary(li)
        // The same field on both laptops, offline: a conflict the move must carry.
        #expect(try li.kam(["account", "set", baosteel, "--region", "华南"]).0 == 0)
        #expect(try zhao.kam(["account", "set", baosteel, "--region", "华北"]).0 == 0)
        _ = try Self.summary(li)
        _ = try Self.summary(zhao)
        _ = try Self.summary(li)
        // Offline edits still on the laptops when the server moves.
        #expect(try li.kam(["account", "set", baosteel, "--notes", "采购换人了"]).0 == 0)
        #expect(try zhao.kam(["account", "set", globex, "--tier", "gold"]).0 == 0)
        let before = try await server.states()
        server.stop()

        let database = try await TestDatabases.postgresDatabaseURL()
        let moved = try runToEnd(Binaries.url("kam-server"), ["migrate", "--data-dir", server.data.path, "--database", database])
        #expect(moved.status == 0, "\(moved.err)")
        #expect(moved.out.contains("records\t\(before.count)"), "\(moved.out)")
        server.database = database
        try server.start()
        #expect(try await server.states() == before, "the move changed what the server holds")

        // The laptops push what they held and pull only what is new to them.
        let liFirst = try Self.summary(li)
        #expect(liFirst.pushed > 0 && liFirst.pulled == 0)
        let zhaoFirst = try Self.summary(zhao)
        #expect(zhaoFirst.pushed > 0 && zhaoFirst.pulled == 1, "zhao pulls li's one changed account, nothing twice")
        let liSecond = try Self.summary(li)
        #expect(liSecond.pulled == 0, "Globex is zhao's: li never sees it")
        #expect(try Self.detail(li, baosteel) == Self.detail(zhao, baosteel))
        let shared = try Self.detail(zhao, baosteel)
        #expect(shared.account.notes == "采购换人了" && shared.conflicts.contains { $0.field == "region" })
        #expect(try Self.detail(zhao, globex).account.tier == .gold)
        let after = try await server.states()
        #expect(try li.acknowledgedIsOnServer(after).isEmpty && zhao.acknowledgedIsOnServer(after).isEmpty)

        // Tokens moved with the users.
        let answer = try await CurlTransport().send(
            HTTPRequestSpec(method: "GET", url: URL(string: "\(server.url)/v1/accounts")!, headers: [("Authorization", "Bearer \(officeToken)")]),
            progress: nil)
        #expect(answer.status == 200)

        // A second move into the same database is refused, and says why.
        let again = try runToEnd(Binaries.url("kam-server"), ["migrate", "--data-dir", server.data.path, "--database", database])
        #expect(again.status != 0 && again.err.contains("already holds kam data"), "\(again.err)")
        #expect(try await server.states() == after)
    }

    @Test("two processes on one PostgreSQL database behind nginx, round robin: laptops converge while one process is killed and restarted")
    func behindNginx() async throws {
        let nginxBinary = try #require(TestDatabases.nginx, "nginx is not installed: make test installs it")
        let directory = try Self.folder("nginx")
        let database = try await TestDatabases.postgresDatabaseURL()
        let processes = try (0..<2).map { index in
            try ServerProcess(directory: directory.appendingPathComponent("process-\(index)"), database: database)
        }
        for process in processes { try FileManager.default.createDirectory(at: process.directory, withIntermediateDirectories: true) }
        let nginx = try Nginx(directory: directory.appendingPathComponent("nginx"), binary: nginxBinary, upstreams: processes.map(\.port))
        defer {
            nginx.stop()
            for process in processes { process.stop() }
            try? FileManager.default.removeItem(at: directory)
        }
        let names = ["zhao", "li", "wang"]
        var tokens: [String: String] = [:]
        tokens["zhao"] = try processes[0].addUser("zhao", role: "manager")
        tokens["li"] = try processes[1].addUser("li", role: "rep")
        tokens["wang"] = try processes[0].addUser("wang", role: "rep")
        for process in processes { try process.start() }
        try nginx.start()
        let laptops = names.map { LaptopProcess(home: directory.appendingPathComponent($0)) }
        for (name, laptop) in zip(names, laptops) {
            #expect(try laptop.kam(["init", "--server", nginx.url, "--token", tokens[name]!, "--timeout", "60"]).0 == 0)
        }
        var accounts: [String] = []
        for owner in ["li", "wang", "zhao"] {
            for index in 0..<3 {
                accounts.append(try laptops[0].kam(["account", "add", "\(owner) \(index)", "--owner", owner]).1
                    .trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        for laptop in laptops { _ = try Self.summary(laptop) }

        for round in 0..<8 {
            // Everyone edits an account they hold, then all sync at once, through nginx.
            for (index, laptop) in laptops.enumerated() {
                let mine = try Self.accountIDs(laptop)
                let id = mine[(round + index) % mine.count]
                #expect(try laptop.kam(["account", "set", id, "--notes", "\(names[index]) round \(round)"]).0 == 0)
            }
            let syncing = try laptops.map { try $0.start(["sync", "--timeout", "60"]) }
            // Mid-run, one process dies (kill -9) while the laptops sync, and comes back two rounds later.
            if round == 2 { processes[0].kill9() }
            if round == 4 { try processes[0].start() }
            if round == 6 { processes[1].stop() }
            for process in syncing { process.waitUntilExit() }
            if round == 7 { try processes[1].start() }
        }
        // Quiet: everyone syncs until nothing moves, and until the process
        // restarted last has served one (nginx keeps a process that failed out of the round for a while).
        for _ in 0..<2 {
            for laptop in laptops { _ = try Self.summary(laptop) }
        }
        var rounds = 0
        while try !Self.servedSync(processes[1].log), rounds < 100 {
            _ = try Self.summary(laptops[rounds % laptops.count])
            rounds += 1
        }
        // Round robin reached both processes, before and after their restarts.
        for process in processes {
            let logs = try FileManager.default.contentsOfDirectory(at: process.directory, includingPropertiesForKeys: nil)
                .filter { $0.lastPathComponent.hasPrefix("server-") }
            #expect(logs.count == 2, "each process started twice")
            for log in logs {
                let text = try String(contentsOf: log, encoding: .utf8)
                #expect(
                    try Self.servedSync(log),
                    "\(process.directory.lastPathComponent)/\(log.lastPathComponent) served no sync: \(text.suffix(800))")
            }
        }
        let server = try await processes[1].states()
        for laptop in laptops { #expect(try laptop.acknowledgedIsOnServer(server).isEmpty) }
        // The manager holds every account; each rep exactly their own, as the manager does.
        #expect(try Self.accountIDs(laptops[0]) == accounts.sorted())
        for (index, owner) in [(1, "li"), (2, "wang")] {
            let theirs = try Self.accountIDs(laptops[index])
            #expect(theirs.count == 3)
            for id in theirs {
                let rep = try Self.detail(laptops[index], id)
                #expect(rep.account.owner == owner)
                #expect(rep == (try Self.detail(laptops[0], id)))
            }
        }
    }
}

/// A real nginx in front of kam-server processes: round robin, and a
/// request that finds its process gone goes to the next one.
final class Nginx: @unchecked Sendable {
    let directory: URL
    let binary: String
    let port: Int
    private var process: Process?

    init(directory: URL, binary: String, upstreams: [Int]) throws {
        self.directory = directory
        self.binary = binary
        port = try freePort()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // nginx's workers may run as another user: they write their temp files here.
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
        let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/nginx/kam.conf")
        var configuration = try String(contentsOf: template, encoding: .utf8)
        configuration = configuration.replacingOccurrences(
            of: "    server 127.0.0.1:8081 max_fails=1 fail_timeout=2s;\n    server 127.0.0.1:8082 max_fails=1 fail_timeout=2s;\n",
            with: upstreams.map { "    server 127.0.0.1:\($0) max_fails=1 fail_timeout=2s;\n" }.joined())
        configuration = configuration.replacingOccurrences(of: "listen 127.0.0.1:8080;", with: "listen 127.0.0.1:\(port);")
        let prefix = """
            daemon off;
            worker_processes 1;
            pid \(directory.path)/nginx.pid;
            error_log \(directory.path)/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(directory.path)/body;
                proxy_temp_path \(directory.path)/proxy;
                fastcgi_temp_path \(directory.path)/fastcgi;
                uwsgi_temp_path \(directory.path)/uwsgi;
                scgi_temp_path \(directory.path)/scgi;

            """
        try (prefix + configuration + "\n}\n").write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-e", directory.appendingPathComponent("error.log").path, "-p", directory.path, "-c", directory.appendingPathComponent("nginx.conf").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        try waitUntilReady(process, seconds: 30, log: directory.appendingPathComponent("error.log")) {
            (try? runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sf", "\(url)/healthz"]))?.0 == 0
        }
    }

    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGQUIT)
        process.waitUntilExit()
    }
}
