import Foundation
import GRDB
import KAMClient
import KAMProtocol
import KAMServer
import Testing

/// Real processes killed with SIGKILL in the middle of syncs. After a restart
/// and a sync: everything acknowledged is still there, nothing is duplicated,
/// and the databases pass `PRAGMA integrity_check`.
/// `KAM_CRASH_TRIALS=N` runs more trials (default 20 each).
@Suite("Crashes", .serialized)
struct CrashTests {
    static var trials: Int { ProcessInfo.processInfo.environment["KAM_CRASH_TRIALS"].flatMap(Int.init) ?? 20 }

    struct World {
        let directory: URL
        let server: ServerProcess
        let pusher: LaptopProcess
        let puller: LaptopProcess
        var created: Set<RecordID> = []
        var rng = SystemRandomNumberGenerator()

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-crash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            server = try ServerProcess(directory: directory)
            let liToken = try server.addUser("li", role: "manager")
            let zhaoToken = try server.addUser("zhao", role: "manager")
            try server.start()
            pusher = LaptopProcess(home: directory.appendingPathComponent("li"))
            puller = LaptopProcess(home: directory.appendingPathComponent("zhao"))
            #expect(try pusher.kam(["init", "--server", server.url, "--token", liToken, "--timeout", "60"]).0 == 0)
            #expect(try puller.kam(["init", "--server", server.url, "--token", zhaoToken, "--timeout", "60"]).0 == 0)
        }

        /// Enough new work that a sync takes several batches.
        mutating func addWork() throws {
            let replica = try pusher.replica()
            for n in 0..<Int.random(in: 80...200, using: &rng) {
                let account = try replica.addAccount(Account(name: "客户 \(created.count + n)", industry: "钢铁", region: "华东", notes: String(repeating: "备注 ", count: 20)))
                created.insert(account.id)
            }
        }

        /// Adds work, starts both laptops syncing, and waits a random moment
        /// (counting whether a sync was still running then).
        mutating func startSyncs(midSync: inout Int) throws -> (Process, Process) {
            try addWork()
            let push = try pusher.start(["sync"])
            let pull = try puller.start(["sync"])
            usleep(UInt32.random(in: 0...600_000, using: &rng))
            if push.isRunning || pull.isRunning { midSync += 1 }
            return (push, pull)
        }

        /// Syncs both laptops until they succeed (bounded), and checks they hold what the server holds.
        func heal() async throws {
            for laptop in [pusher, puller, pusher, puller] {
                var attempts = 0
                while try laptop.kam(["sync"]).0 != 0 {
                    attempts += 1
                    #expect(attempts < 5, "sync keeps failing after a crash")
                    if attempts >= 5 { return }
                }
            }
            let serverStates = try await server.states()
            let accounts = serverStates.values.filter { $0.kind == .account }
            #expect(Set(accounts.map(\.id)) == created, "every account the pusher made is on the server, once")
            for laptop in [pusher, puller] {
                let replica = try laptop.replica()
                #expect(try replica.status().pending == 0)
                #expect(Set(try replica.accounts().map(\.id)) == created)
            }
        }

        func integrity() throws {
            for path in [server.data.appendingPathComponent(SQLiteStore.fileName).path,
                         pusher.home.appendingPathComponent("replica.sqlite").path,
                         puller.home.appendingPathComponent("replica.sqlite").path] {
                let result = try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
                #expect(result == "ok", "\(path): \(result ?? "nil")")
            }
        }
    }

    @Test("kill -9 the server during large pushes and pulls")
    func serverKilled() async throws {
        var world = try World()
        defer { world.server.stop(); try? FileManager.default.removeItem(at: world.directory) }
        var midSync = 0
        for _ in 0..<Self.trials {
            let (push, pull) = try world.startSyncs(midSync: &midSync)
            world.server.kill9()
            // What the laptops hold as acknowledged must have been durable on the server.
            let onServer = try await world.server.states()
            for laptop in [world.pusher, world.puller] {
                let missing = try laptop.acknowledgedIsOnServer(onServer)
                #expect(missing.isEmpty, "\(missing.prefix(3))")
            }
            try world.server.start()
            push.waitUntilExit()
            pull.waitUntilExit()
            try await world.heal()
        }
        world.server.stop()
        try world.integrity()
        #expect(midSync >= Self.trials / 2, "only \(midSync) of \(Self.trials) kills came during a sync")
    }

    @Test("kill -9 kam during sync: the replica opens, status is truthful, the next sync converges")
    func clientKilled() async throws {
        var world = try World()
        defer { world.server.stop(); try? FileManager.default.removeItem(at: world.directory) }
        var midSync = 0
        for _ in 0..<Self.trials {
            let (push, pull) = try world.startSyncs(midSync: &midSync)
            kill(push.processIdentifier, SIGKILL)
            kill(pull.processIdentifier, SIGKILL)
            push.waitUntilExit()
            pull.waitUntilExit()
            let onServer = try await world.server.states()
            for laptop in [world.pusher, world.puller] {
                let (status, out, err) = try laptop.kam(["status", "--json"])
                #expect(status == 0, "\(err)")
                let reported = try JSONDecoder().decode(ReplicaStatus.self, from: Data(out.utf8))
                #expect(reported.pending == (try laptop.replica().status().pending))
                let missing = try laptop.acknowledgedIsOnServer(onServer)
                #expect(missing.isEmpty, "status says acknowledged, but: \(missing.prefix(3))")
            }
            try await world.heal()
        }
        try world.integrity()
        #expect(midSync >= Self.trials / 2, "only \(midSync) of \(Self.trials) kills came during a sync")
    }
}
