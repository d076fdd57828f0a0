import Foundation
import Hummingbird
import HummingbirdTesting
import KAMProtocol
import KAMServer
import Logging
import Testing

@Suite("Live server")
struct LiveServerTests {
    @Test("a real port: register, push, pull; the data survives a restart of the server")
    func liveAndRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-live-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory)
        let logger = Logger(label: "test")

        let fixture = try await StoreFixture(SQLiteStore.open(directory: directory, logger: logger))
        var li = Laptop(fixture.users["li"]!, replica: "li-laptop")
        let id = li.create(account("华为", owner: "li"))
        let push = li.pushRequest()
        let replica = li.clock.replica
        let expected = li.states[id]!

        let first = buildApplication(configuration: configuration, service: fixture.store, logger: logger)
        try await first.test(.live) { client in
            #expect(client.port != nil)
            let api = APIHarness(client: client, tokens: fixture.tokens)
            try await api.call(.post, "/v1/replicas", as: "li", json: ReplicaRegistration(replica: replica), expect: .ok)
            try await api.call(.post, "/v1/sync/push", as: "li", json: push, expect: .ok)
        }

        // A new server process over the same folder.
        let reopened = try SQLiteStore.open(directory: directory, logger: logger)
        let second = buildApplication(configuration: configuration, service: SyncService(storage: reopened), logger: logger)
        try await second.test(.live) { client in
            let api = APIHarness(client: client, tokens: fixture.tokens)
            let page = try api.decode(PullPage.self, try await api.call(.get, "/v1/sync/pull", as: "zhao", expect: .ok))
            #expect(page.records == [expected])
            try await api.call(.post, "/v1/sync/push", as: "li", json: push, expect: .ok)  // still a harmless retry
        }
    }
}
