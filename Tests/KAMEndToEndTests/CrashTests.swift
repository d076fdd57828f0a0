import Foundation
import GRDB
import KAMClient
import KAMFaults
import KAMProtocol
import KAMServer
import KAMServerTestSupport
import Testing

/// Real processes dying in the middle of syncs. After a restart and a sync:
/// everything acknowledged is still there, no pending edit is lost, nothing is
/// duplicated, and the databases pass `PRAGMA integrity_check`.
///
/// Every named crash point (``CrashPoint``, armed with `KAM_CRASH_AT`) is hit on
/// every run, so each step of the sync is proven on every run whatever the
/// machine's speed. The random `kill -9` trials explore the moments in between;
/// `KAM_CRASH_TRIALS=N` runs more of them (default 20 each).
@Suite("Crashes", .serialized)
struct CrashTests {
    static var trials: Int { ProcessInfo.processInfo.environment["KAM_CRASH_TRIALS"].flatMap(Int.init) ?? 20 }

    struct World {
        let directory: URL
        let server: ServerProcess
        let pusher: LaptopProcess
        let puller: LaptopProcess
        /// A laptop not yet initialised, for the registration points.
        let newcomer: LaptopProcess
        let newcomerToken: String
        var created: Set<RecordID> = []
        var rng = SystemRandomNumberGenerator()

        init(_ kind: ServerKind = .sqlite) async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-crash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            server = try ServerProcess(directory: directory, database: kind == .postgres ? try await TestDatabases.postgresDatabaseURL() : nil)
            let liToken = try server.addUser("li", role: "manager")
            let zhaoToken = try server.addUser("zhao", role: "manager")
            newcomerToken = try server.addUser("chen", role: "manager")
            try server.start()
            pusher = LaptopProcess(home: directory.appendingPathComponent("li"))
            puller = LaptopProcess(home: directory.appendingPathComponent("zhao"))
            newcomer = LaptopProcess(home: directory.appendingPathComponent("chen"))
            #expect(try pusher.kam(["init", "--server", server.url, "--token", liToken, "--timeout", "60"]).0 == 0)
            #expect(try puller.kam(["init", "--server", server.url, "--token", zhaoToken, "--timeout", "60"]).0 == 0)
        }

        /// New accounts on the pusher: `count`, or a random number that makes a sync take several batches.
        mutating func addWork(_ count: Int? = nil) throws {
            let replica = try pusher.replica()
            for n in 0..<(count ?? Int.random(in: 80...200, using: &rng)) {
                let account = try replica.addAccount(Account(name: "客户 \(created.count + n)", industry: "钢铁", region: "华东", notes: String(repeating: "备注 ", count: 20)))
                created.insert(account.id)
            }
        }

        /// Adds work, starts both laptops syncing, and waits a random moment.
        mutating func startSyncs() throws -> (Process, Process) {
            try addWork()
            let push = try pusher.start(["sync"])
            let pull = try puller.start(["sync"])
            usleep(UInt32.random(in: 0...600_000, using: &rng))
            return (push, pull)
        }

        /// Syncs every laptop in use until it succeeds (bounded), and checks
        /// each holds exactly what the server holds: every account once, nothing pending.
        func heal(newcomer joined: Bool = false) async throws {
            let laptops = joined ? [pusher, puller, newcomer] : [pusher, puller]
            for laptop in laptops + laptops {
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
            for laptop in laptops {
                let replica = try laptop.replica()
                #expect(try replica.status().pending == 0)
                let held = try replica.accounts().map(\.id)
                #expect(held.count == created.count && Set(held) == created, "the laptop holds every account, once")
            }
        }

        func integrity(newcomer joined: Bool = false) throws {
            var paths = (server.database == nil ? [server.data.appendingPathComponent(SQLiteStore.fileName).path] : []) + [
                         pusher.home.appendingPathComponent("replica.sqlite").path,
                         puller.home.appendingPathComponent("replica.sqlite").path]
            if joined { paths.append(newcomer.home.appendingPathComponent("replica.sqlite").path) }
            for path in paths {
                let result = try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
                #expect(result == "ok", "\(path): \(result ?? "nil")")
            }
        }

        /// Account ids the server holds.
        func accountsOnServer() async throws -> Set<RecordID> {
            Set(try await server.states().values.filter { $0.kind == .account }.map(\.id))
        }

        /// What a laptop's replica holds: pending field states, accounts and pull cursor.
        func snapshot(_ laptop: LaptopProcess) throws -> (pending: Int, accounts: Set<RecordID>, cursor: UInt64) {
            let store = try ReplicaStore.open(home: ReplicaHome(url: laptop.home))
            let replica = try Replica(store: store)
            return (try replica.status().pending, Set(try replica.accounts().map(\.id)), try store.settings().cursor)
        }
    }

    static let marker = "kam crash point reached: "

    /// Checks a kam process died at `point`: killed by SIGKILL, after writing the marker.
    static func diedAt(_ point: CrashPoint, _ finished: Finished, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(finished.killedBy == SIGKILL, "kam was not killed at \(point.rawValue): exit \(finished.status), \(finished.err)", sourceLocation: sourceLocation)
        #expect(finished.err.contains(marker + point.rawValue), "kam did not reach \(point.rawValue): \(finished.err)", sourceLocation: sourceLocation)
    }

    /// Checks the server died at `point`, and starts it again disarmed.
    static func serverDiedAt(_ point: CrashPoint, _ world: World, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let end = world.server.waitForEnd()
        #expect(end?.killedBy == SIGKILL, "kam-server was not killed at \(point.rawValue): \(String(describing: end?.status))", sourceLocation: sourceLocation)
        #expect(end?.log.contains(marker + point.rawValue) == true, "kam-server did not reach \(point.rawValue): \(end?.log.suffix(2_000) ?? "")", sourceLocation: sourceLocation)
    }

    @Test("the crash points are the documented ones")
    func documented() throws {
        let reliability = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("docs/RELIABILITY.md"), encoding: .utf8)
        for point in CrashPoint.allCases {
            #expect(reliability.contains("`\(point.rawValue)`"), "docs/RELIABILITY.md does not describe \(point.rawValue)")
        }
    }

    /// The server's storage in a run.
    enum ServerKind: String, CustomTestStringConvertible, Sendable {
        case sqlite, postgres
        var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }
        /// SQLite always; PostgreSQL when the run has a cluster.
        static let available: [ServerKind] = TestDatabases.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    @Test("every named crash point: the process dies there, and after a restart nothing is lost or doubled",
          arguments: ServerKind.available, CrashPoint.allCases)
    func crashPoint(_ kind: ServerKind, _ point: CrashPoint) async throws {
        var world = try await World(kind)
        defer { world.server.stop(); try? FileManager.default.removeItem(at: world.directory) }
        // Both laptops synced once, then new work waiting on the pusher.
        try world.addWork(30)
        #expect(try world.pusher.kam(["sync"]).0 == 0)
        #expect(try world.puller.kam(["sync"]).0 == 0)
        try world.addWork(40)
        let pending = try world.snapshot(world.pusher)
        let newWork = pending.accounts.subtracting(try await world.accountsOnServer())
        #expect(pending.pending > 0 && newWork.count == 40)
        var joined = false

        switch point {
        case .beforePushCommit, .afterPushCommit, .afterPullRead:
            world.server.stop()
            try world.server.start(crashAt: point)
            let sync = try world.pusher.kam(["sync"])
            #expect(sync.0 != 0, "the sync cannot succeed against a server that died")
            try Self.serverDiedAt(point, world)
            let onServer = try await world.accountsOnServer()
            let after = try world.snapshot(world.pusher)
            switch point {
            case .beforePushCommit:
                // The transaction died uncommitted: none of the batch is on the server, all of it still pending here.
                #expect(onServer.isDisjoint(with: newWork), "an uncommitted push is on the server")
                #expect(after.pending == pending.pending)
            case .afterPushCommit:
                // Committed, but the answer was lost: on the server and still pending here, to be resent harmlessly.
                #expect(newWork.isSubset(of: onServer), "a committed push is missing on the server")
                #expect(after.pending == pending.pending)
            default:
                // The push was acknowledged before the pull died.
                #expect(newWork.isSubset(of: onServer))
                #expect(after.pending == 0)
            }
        case .beforeRegisterCommit, .afterRegisterCommit:
            world.server.stop()
            try world.server.start(crashAt: point)
            let initialised = try world.newcomer.kam(["init", "--server", world.server.url, "--token", world.newcomerToken, "--timeout", "60"])
            #expect(initialised.0 == 0, "kam init works offline too: \(initialised.2)")
            try Self.serverDiedAt(point, world)
            let replica = try ReplicaStore.open(home: ReplicaHome(url: world.newcomer.home)).settings()
            #expect(!replica.registered)
            #expect(try await world.server.replicaIDs().contains(replica.replica.rawValue) == (point == .afterRegisterCommit))
            joined = true
        case .beforePushSend, .afterPushAnswer:
            Self.diedAt(point, try world.pusher.kam(["sync"], crashAt: point))
            let onServer = try await world.accountsOnServer()
            if point == .beforePushSend {
                #expect(onServer.isDisjoint(with: newWork), "a push that was never sent is on the server")
            } else {
                #expect(newWork.isSubset(of: onServer), "an acknowledged push is missing on the server")
            }
            #expect(try world.snapshot(world.pusher).pending == pending.pending, "the acknowledgement was recorded, or pending edits were lost")
        case .afterPullPageStored, .afterPullCommit:
            #expect(try world.pusher.kam(["sync"]).0 == 0)
            let before = try world.snapshot(world.puller)
            Self.diedAt(point, try world.puller.kam(["sync"], crashAt: point))
            let after = try world.snapshot(world.puller)
            if point == .afterPullPageStored {
                // The page died with its transaction: neither its records nor its cursor were kept.
                #expect(after.cursor == before.cursor && after.accounts == before.accounts)
            } else {
                #expect(after.cursor > before.cursor && newWork.isSubset(of: after.accounts))
            }
        case .afterRegisterAnswer:
            let initialised = try world.newcomer.kam(
                ["init", "--server", world.server.url, "--token", world.newcomerToken, "--timeout", "60"], crashAt: point)
            Self.diedAt(point, initialised)
            let replica = try ReplicaStore.open(home: ReplicaHome(url: world.newcomer.home)).settings()
            #expect(!replica.registered)
            #expect(try await world.server.replicaIDs().contains(replica.replica.rawValue), "the server registered the replica before the answer")
            joined = true
        }

        // Whatever died, the replicas still open, and what they hold as acknowledged is on the server.
        let onServer = try await world.server.states()
        for laptop in [world.pusher, world.puller] + (joined ? [world.newcomer] : []) {
            let (status, out, err) = try laptop.kam(["status", "--json"])
            #expect(status == 0, "\(err)")
            let reported = try? JSONDecoder().decode(ReplicaStatus.self, from: Data(out.utf8))
            #expect(reported?.pending == (try laptop.replica().status().pending))
            let missing = try laptop.acknowledgedIsOnServer(onServer)
            #expect(missing.isEmpty, "acknowledged here, missing on the server: \(missing.prefix(3))")
        }
        // Disarmed, everything converges.
        if world.server.process?.isRunning != true { try world.server.start() }
        try await world.heal(newcomer: joined)
        world.server.stop()
        try world.integrity(newcomer: joined)
    }

    @Test("kill -9 the server at random moments during large pushes and pulls", arguments: ServerKind.available)
    func serverKilled(_ kind: ServerKind) async throws {
        var world = try await World(kind)
        defer { world.server.stop(); try? FileManager.default.removeItem(at: world.directory) }
        for _ in 0..<Self.trials {
            let (push, pull) = try world.startSyncs()
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
    }

    @Test("kill -9 kam at random moments during sync: the replica opens, status is truthful, the next sync converges")
    func clientKilled() async throws {
        var world = try await World()
        defer { world.server.stop(); try? FileManager.default.removeItem(at: world.directory) }
        for _ in 0..<Self.trials {
            let (push, pull) = try world.startSyncs()
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
    }
}
