import Foundation
import Hummingbird
import HummingbirdTesting
import KAMClient
import KAMProtocol
import KAMServer
import Logging
import Testing

/// Real kam-server on a loopback port, real libcurl, two replicas.
@Suite("Sync through a live server")
struct SyncIntegrationTests {
    struct Setup {
        let store: SyncService
        let tokens: [String: String]
    }

    static func setup() async throws -> Setup {
        let store = SyncService(storage: try SQLiteStore.inMemory(), logger: SQLiteStore.quietLogger)
        var tokens: [String: String] = [:]
        for (name, role) in [("li", Role.rep), ("zhao", .manager), ("wang", .rep)] {
            tokens[name] = try await store.addUser(name: name, role: role)
        }
        return Setup(store: store, tokens: tokens)
    }

    static func laptop(_ user: String, port: Int, setup: Setup) throws -> (Replica, SyncEngine) {
        let settings = ReplicaSettings(
            replica: .random(), server: URL(string: "http://127.0.0.1:\(port)")!, token: setup.tokens[user]!)
        let store = try ReplicaStore.inMemory(settings: settings)
        var engine = SyncEngine(store: store, transport: CurlTransport(connectTimeout: 5, stallTimeout: 10))
        engine.pushBatch = 3  // many small batches
        engine.pullLimit = 4
        return (try Replica(store: store, author: user), engine)
    }

    static func run(_ body: @escaping @Sendable (Int, Setup) async throws -> Void) async throws {
        try await runLive { client, setup in try await body(client.port!, setup) }
    }

    /// The server on a loopback port, with the test client that calls it (its `port` for laptops).
    static func runLive(_ body: @escaping @Sendable (any TestClientProtocol, Setup) async throws -> Void) async throws {
        let setup = try await setup()
        let app = buildApplication(
            configuration: ServerConfiguration(port: 0, dataDirectory: URL(fileURLWithPath: "/nonexistent")),
            service: setup.store, logger: Logger(label: "test"))
        try await app.test(.live) { client in try await body(client, setup) }
    }

    @Test("records made offline and edited again before the first sync go in small batches the server takes in order")
    func newRecordsEditedBeforeFirstSync() async throws {
        try await Self.run { port, setup in
            let (li, liSync) = try Self.laptop("li", port: port, setup: setup)
            let (zhao, zhaoSync) = try Self.laptop("zhao", port: port, setup: setup)
            for n in 1...12 {
                try li.addAccount(Account(name: "客户 \(n)", owner: "li"))
                _ = try li.addContact("客户 \(n)", name: "联系人 \(n)")
            }
            _ = try li.logActivity("客户 1", kind: .visit, note: "第一次拜访", date: try Day(parsing: "2026-11-23"))
            // The first account and its contact, edited after everything else was made.
            try li.setAccount("客户 1", ["notes": "采购换人了", "region": "华南"])
            try li.setAccount("客户 2", ["tier": "gold"])
            let first = try await liSync.sync()
            #expect(try first.refused == 0 && li.status().pending == 0)
            _ = try await zhaoSync.sync()
            #expect(try zhao.accounts().count == 12)
            let one = try zhao.account("客户 1")
            #expect(one.account.notes == "采购换人了" && one.account.region == "华南" && one.contacts.count == 1)
            #expect(try zhao.account("客户 2").account.tier == .gold)
        }
    }

    @Test("offline edits on two laptops converge in either sync order, with the same conflicts on both", arguments: [true, false])
    func converge(liFirst: Bool) async throws {
        try await Self.run { port, setup in
            let (li, liSync) = try Self.laptop("li", port: port, setup: setup)
            let (zhao, zhaoSync) = try Self.laptop("zhao", port: port, setup: setup)
            let acme = try li.addAccount(Account(name: "ACME", region: "华东", owner: "li")).id
            let globex = try li.addAccount(Account(name: "Globex", owner: "li")).id
            let first = try await liSync.sync()
            #expect(first.pushed == 7 && first.refused == 0)
            _ = try await zhaoSync.sync()
            #expect(try zhao.accounts().map(\.name) == ["ACME", "Globex"])

            // Offline: the same field on both, different fields, a delete against an edit.
            try li.setAccount("ACME", ["region": "华南", "notes": "new buyer"])
            try zhao.setAccount("ACME", ["region": "华北", "tier": "gold"])
            _ = try li.deleteAccount("Globex")
            try zhao.setAccount("Globex", ["notes": "still buying"])

            let order = liFirst ? [liSync, zhaoSync, liSync] : [zhaoSync, liSync, zhaoSync]
            for engine in order { _ = try await engine.sync() }

            for replica in [li, zhao] {
                let detail = try replica.account(acme.rawValue)
                #expect(detail.account.notes == "new buyer")
                #expect(detail.account.tier == .gold)
                let conflicts = try replica.conflicts().conflicts
                let region = try #require(conflicts.first { $0.conflict.field == "region" })
                #expect(Set(region.conflict.values.map(\.value)) == [.text("华南"), .text("华北")])
                #expect(Set(region.conflict.values.compactMap(\.author)) == ["li", "zhao"])
                let deleted = try #require(conflicts.first { $0.conflict.kind == .deleteVersusEdit })
                #expect(deleted.conflict.record == globex)
                #expect(deleted.conflict.deletedBy == ["li"])
                #expect(try replica.accounts(AccountQuery(hasConflicts: true)).count == 2)
            }
            #expect(try li.conflicts() == zhao.conflicts())

            // Resolving on one laptop clears it on both after the next syncs.
            try zhao.resolve("ACME", field: "region", .keep(1))
            try zhao.resolve("Globex", field: "deleted", .value("no"))
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()
            #expect(try li.conflicts().conflicts.isEmpty)
            #expect(try zhao.conflicts().conflicts.isEmpty)
            #expect(try li.account("ACME").account.region == zhao.account("ACME").account.region)
            #expect(try li.accounts().map(\.name) == ["ACME", "Globex"])
            #expect(try li.status().pending == 0)
        }
    }

    @Test("a laptop that only pulls, from the release before protocol 3, learns it from a pull answer and asks in it next")
    func pullOnlyLaptopMovesToProtocol3() async throws {
        try await Self.run { port, setup in
            let (li, liSync) = try Self.laptop("li", port: port, setup: setup)
            let (zhao, zhaoSync) = try Self.laptop("zhao", port: port, setup: setup)
            _ = try li.addAccount(Account(name: "ACME", region: "华东", owner: "li"))
            _ = try await liSync.sync()
            _ = try await zhaoSync.sync()
            // What the release before noted of a server that spoke protocol 2 then.
            try zhao.store.noteServerProtocol(2)
            #expect(SyncEngine.pullProtocol(try zhao.store.settings()) == 2)
            try li.setAccount("ACME", ["notes": "new buyer"])
            _ = try await liSync.sync()
            let pulled = try await zhaoSync.sync()
            #expect(pulled.pushed == 0 && pulled.pulled == 1)
            #expect(try zhao.store.settings().serverProtocol == KAMProtocolVersion.current)
            #expect(SyncEngine.pullProtocol(try zhao.store.settings()) == 3)
            try li.setAccount("ACME", ["notes": "newer buyer"])
            _ = try await liSync.sync()
            _ = try await zhaoSync.sync()
            #expect(try zhao.account("ACME").account.notes == "newer buyer")
        }
    }

    @Test("an edit the server refuses stays visible and does not block later syncs")
    func refusal() async throws {
        try await Self.run { port, setup in
            let (li, liSync) = try Self.laptop("li", port: port, setup: setup)
            let (zhao, zhaoSync) = try Self.laptop("zhao", port: port, setup: setup)
            // The manager creates an account for li.
            try zhao.addAccount(Account(name: "ACME", owner: "li"))
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()
            #expect(try li.accounts().map(\.name) == ["ACME"])
            // Offline, li logs a visit; meanwhile the manager hands the account to wang.
            try li.logActivity("ACME", kind: .visit, note: "met the buyer", date: try Day(parsing: "2026-11-23"))
            try li.addAccount(Account(name: "Own", owner: "li"))
            try zhao.setAccount("ACME", ["owner": "wang"])
            _ = try await zhaoSync.sync()
            let summary = try await liSync.sync()
            #expect(summary.refused == 1)
            let status = try li.status()
            #expect(status.pending == 0)
            #expect(status.refused.map(\.code) == ["not-owner"])
            #expect(status.refused.first?.message.contains("li") == true)
            // ACME left li's laptop; the refused visit stays listed with its values. li's own account reached the server.
            #expect(try li.records(Activity.self).isEmpty)
            #expect(status.refused.first?.edits["note"] == .text("met the buyer"))
            #expect(status.refused.first?.accountName == "ACME" && status.refused.first?.removed == true)
            _ = try await zhaoSync.sync()
            #expect(try zhao.accounts().map(\.name) == ["ACME", "Own"])
            #expect(try zhao.account("ACME").activities.isEmpty)
            // Later syncs go on; the user can drop the refusal once read.
            try li.setAccount("Own", ["notes": "follow up"])
            #expect(try await liSync.sync().refused == 0)
            #expect(try li.dropRefusals() == 1)
            #expect(try li.status().refused.isEmpty)
        }
    }

    @Test("no server: a clear failure after the retries, and nothing local is lost")
    func unreachable() async throws {
        let settings = ReplicaSettings(replica: .random(), server: URL(string: "http://127.0.0.1:9")!, token: "t")
        let store = try ReplicaStore.inMemory(settings: settings)
        var engine = SyncEngine(store: store, transport: CurlTransport(connectTimeout: 2, stallTimeout: 2))
        engine.backoff = .milliseconds(10)
        let replica = try Replica(store: store, author: "li")
        try replica.addAccount(Account(name: "ACME"))
        do {
            _ = try await engine.sync()
            Issue.record("a sync with no server succeeded")
        } catch let failure as SyncFailure {
            guard case .transport(let error, let attempts) = failure else {
                Issue.record("expected a transport failure, got \(failure)")
                return
            }
            #expect(error.isTransient && attempts == 4)
            #expect(failure.description.contains("Nothing is lost"))
        }
        #expect(try replica.status().pending == 2)
        #expect(try replica.accounts().count == 1)
    }
}
