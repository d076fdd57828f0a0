import Foundation
import KAMProtocol
import KAMServer
import Logging
import Testing

/// `kam-server user token` and `kam-server replica list|revoke`, run as an administrator would.
@Suite("kam-server commands")
struct ServerCommandTests {
    @Test("a stolen laptop: list the user's replicas, revoke one, give the user a new token")
    func stolenLaptop() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-admin-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        func server(_ arguments: [String]) throws -> (Int32, String, String) {
            try runProcess(Binaries.url("kam-server"), arguments + ["--data-dir", directory.path])
        }
        let (added, oldToken, _) = try server(["user", "add", "li", "--role", "rep"])
        #expect(added == 0)
        let store = SyncService(storage: try SQLiteStore.open(directory: directory, logger: Logger(label: "test")))
        let li = try #require(try await store.authenticate(token: oldToken.trimmingCharacters(in: .whitespacesAndNewlines)))
        for id in ["li-stolen", "li-kept"] { _ = try await store.registerReplica(ReplicaID(rawValue: id)!, for: li) }
        try await store.admitReplica(ReplicaID(rawValue: "li-kept")!, for: li)

        let (listed, table, _) = try server(["replica", "list", "--user", "li"])
        #expect(listed == 0)
        let lines = table.split(separator: "\n")
        #expect(lines.first?.hasPrefix("REPLICA") == true && lines.count == 3)
        #expect(lines.contains { $0.hasPrefix("li-stolen") && $0.contains("never") && $0.hasSuffix("active") })
        #expect(lines.contains { $0.hasPrefix("li-kept") && !$0.contains("never") })

        let (revoked, _, message) = try server(["replica", "revoke", "li-stolen"])
        #expect(revoked == 0 && message.contains("user token"))
        #expect(try server(["replica", "list"]).1.split(separator: "\n").contains { $0.hasPrefix("li-stolen") && $0.contains("revoked") })
        let (unknown, _, why) = try server(["replica", "revoke", "nowhere"])
        #expect(unknown != 0 && why.contains("replica list"))

        let (renewed, newToken, _) = try server(["user", "token", "li"])
        #expect(renewed == 0)
        #expect(try await store.authenticate(token: oldToken.trimmingCharacters(in: .whitespacesAndNewlines)) == nil)
        #expect(try await store.authenticate(token: newToken.trimmingCharacters(in: .whitespacesAndNewlines))?.name == "li")
        let (_, _, _) = try server(["user", "revoke", "li"])
        let (refused, _, stays) = try server(["user", "token", "li"])
        #expect(refused != 0 && stays.contains("stays revoked"))
    }

    @Test("a database address that cannot be used is refused with what to fix, whichever way it was given; nothing is written")
    func badDatabaseAddresses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-admin-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let both = try runToEnd(
            Binaries.url("kam-server"), ["user", "list", "--data-dir", directory.path, "--database", "postgres://kam@db/kam"])
        #expect(both.status != 0 && both.err.contains("two different stores"), "\(both.err)")
        let flag = try runToEnd(Binaries.url("kam-server"), ["user", "add", "li", "--role", "rep", "--database", "postgres://kam@db"])
        #expect(flag.status != 0 && flag.err.contains("names no database") && flag.err.contains("Pass --database"), "\(flag.err)")
        let environment = try runToEnd(
            Binaries.url("kam-server"), ["user", "add", "li", "--role", "rep"], environment: ["KAM_DATABASE_URL": "mysql://kam@db/kam"])
        #expect(environment.status != 0 && environment.err.contains("Fix KAM_DATABASE_URL"), "\(environment.err)")
        #expect(!FileManager.default.fileExists(atPath: directory.path), "a refused command wrote nothing")
    }
}
