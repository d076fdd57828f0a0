import Foundation
import Hummingbird
import HummingbirdTesting
import KAMClient
import KAMProtocol
import KAMServer
import Logging
import Testing

/// A server data folder and laptop replicas written by an earlier release
/// (committed under Tests/Fixtures, made by that release with
/// scripts/make-upgrade-fixture.sh, never regenerated) open in this one,
/// migrate in place, keep every pending edit, conflict, refusal and cursor,
/// and sync on.
@Suite("Upgrades from earlier releases")
struct UpgradeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// A fresh copy of a fixture, so the committed files stay as the release wrote them.
    static func copy(_ release: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-upgrade-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(release), to: directory)
        return directory
    }

    /// What the release's `kam status --json` said, in the keys every release has.
    struct StatusBefore: Decodable {
        struct Refused: Decodable, Hashable {
            var record: RecordID
            var code: String
        }
        var replica: ReplicaID
        var pending: Int
        var cursor: UInt64
        var conflicts: Int
        var refused: [Refused]
    }

    @Test("two kam commands that open a replica of the release before at once both open it, migrated once")
    func concurrentOpen() async throws {
        let directory = try Self.copy("release-4d102e2")
        defer { try? FileManager.default.removeItem(at: directory) }
        let home = ReplicaHome(url: directory.appendingPathComponent("a"))
        let statuses = try await withThrowingTaskGroup(of: ReplicaStatus.self) { group in
            for _ in 0..<4 { group.addTask { try Replica(store: ReplicaStore.open(home: home)).status() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.count == 4 && Set(statuses.map(\.pending)).count == 1 && statuses[0].pending > 0)
    }

    @Test(
        "a data folder and replicas of an earlier release migrate, keep everything and sync on",
        arguments: ["release-6caec4e", "release-4d102e2", "release-5ca9bf3"])
    func upgrade(release: String) async throws {
        let directory = try Self.copy(release)
        defer { try? FileManager.default.removeItem(at: directory) }
        let huawei = try #require(RecordID(rawValue: try String(contentsOf: directory.appendingPathComponent("account-id"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))

        // The laptops: every pending edit, conflict, refusal and the cursor are still there.
        var replicas: [String: Replica] = [:]
        for name in ["boss", "a"] {
            let before = try JSONDecoder().decode(
                StatusBefore.self, from: Data(contentsOf: directory.appendingPathComponent("\(name)-status.json")))
            let replica = try Replica(store: ReplicaStore.open(home: ReplicaHome(url: directory.appendingPathComponent(name))))
            let after = try replica.status()
            #expect(after.replica == before.replica && after.pending == before.pending && after.cursor == before.cursor)
            #expect(after.conflicts == before.conflicts && after.conflicts == 1)
            #expect(Set(after.refused.map { StatusBefore.Refused(record: $0.record, code: $0.code) }) == Set(before.refused))
            #expect(after.pending > 0)
            replicas[name] = replica
        }
        let (boss, a) = (replicas["boss"]!, replicas["a"]!)
        let laptops = replicas
        #expect(try a.refusals().map(\.code) == ["owner-change"])
        // A release that kept owner history (from the territories on) keeps it.
        if release != "release-6caec4e" {
            for replica in [boss, a] {
                let history = try replica.account(huawei.rawValue).ownerChanges
                #expect(history.map(\.to) == [["a"]] && history.map(\.by) == ["boss"] && history.map(\.from) == [[]])
            }
        }

        // The server: its users and their tokens, and access by the current rule.
        let service = SyncService(
            storage: try SQLiteStore.open(directory: directory.appendingPathComponent("server"), logger: SQLiteStore.quietLogger),
            logger: SQLiteStore.quietLogger)
        try await service.upgradeAccess()
        #expect(try await service.users().map(\.name) == ["a", "b", "boss"])

        // Pointed at the upgraded server, the laptops sync on: nothing is lost or sent twice.
        let app = buildApplication(
            configuration: ServerConfiguration(port: 0, dataDirectory: directory), service: service, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let url = URL(string: "http://127.0.0.1:\(client.port!)")!
            var engines: [String: SyncEngine] = [:]
            for (name, replica) in laptops {
                try replica.store.reconfigure(ConfigurationChange(server: url))
                engines[name] = SyncEngine(store: replica.store, transport: CurlTransport(connectTimeout: 5, stallTimeout: 10))
            }
            for name in ["boss", "a", "boss"] {
                let summary = try await engines[name]!.sync()
                #expect(summary.refused == 0 && summary.removed.isEmpty, "\(name): \(summary)")
            }
            for replica in [boss, a] {
                let detail = try replica.account(huawei.rawValue)
                #expect(detail.account.notes == "typed offline, not yet synced")
                #expect(detail.activities.map(\.note) == ["met the buyer"])
                #expect(detail.opportunities.map(\.note) == ["annual review in March"])
                #expect(detail.contacts.map(\.name) == ["王芳"])
                #expect(try replica.status().pending == 0 && replica.status().conflicts == 1)
            }
            #expect(try boss.accounts().map(\.name).sorted() == ["ACME", "华为技术有限公司"])
            #expect(try a.accounts().map(\.name) == ["华为技术有限公司"])
            // The refused owner change is still listed; dropping it puts the server's owner back.
            #expect(try a.account(huawei.rawValue).account.owner == "b")
            #expect(try a.dropRefusals() == 1)
            _ = try await engines["a"]!.sync()
            #expect(try a.account(huawei.rawValue).account.owner == "a")
            #expect(try a.account(huawei.rawValue) == boss.account(huawei.rawValue))
        }
    }
}
