import Foundation
import Hummingbird
import HummingbirdTesting
import KAMProtocol
import KAMServer
import Testing

/// Holds requests inside a handler until released, and says how many are held.
actor Gate {
    private var held: [CheckedContinuation<Void, Never>] = []
    private var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func hold() async {
        await withCheckedContinuation { continuation in
            held.append(continuation)
            let ready = watchers.filter { $0.count <= held.count }
            watchers.removeAll { $0.count <= held.count }
            for watcher in ready { watcher.continuation.resume() }
        }
    }

    /// Returns once `count` requests are held.
    func waitUntilHolding(_ count: Int) async {
        guard held.count < count else { return }
        await withCheckedContinuation { watchers.append((count, $0)) }
    }

    func release() {
        for continuation in held { continuation.resume() }
        held = []
    }
}

@Suite("Abuse limits")
struct AbuseLimitTests {
    @Test("past the in-flight limit a request gets 429 busy with Retry-After at once; a freed slot serves again")
    func busy() async throws {
        let gate = Gate()
        let router = Router()
        router.group("held").add(middleware: BusyMiddleware<BasicRequestContext>(limit: 2, retryAfterSeconds: 7)).get { _, _ in
            await gate.hold()
            return "done"
        }
        try await Application(router: router).test(.router) { client in
            async let first = client.execute(uri: "/held", method: .get, headers: [:], body: nil)
            async let second = client.execute(uri: "/held", method: .get, headers: [:], body: nil)
            await gate.waitUntilHolding(2)
            let refused = try await client.execute(uri: "/held", method: .get, headers: [:], body: nil)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "7")
            let error = try WireFormat.decoder().decode(ErrorBody.self, from: Data(buffer: refused.body))
            #expect(error.error.code == "busy" && error.error.message.contains("7 seconds"))
            await gate.release()
            #expect(try await first.status == .ok)
            #expect(try await second.status == .ok)
            async let third = client.execute(uri: "/held", method: .get, headers: [:], body: nil)
            await gate.waitUntilHolding(1)
            await gate.release()
            #expect(try await third.status == .ok)
        }
    }

    @Test("an over-cap push is refused as batch-too-large before its records are decoded")
    func batchCountedFirst() async throws {
        let fixture = try await StoreFixture()
        let configuration = ServerConfiguration(port: 0, dataDirectory: URL(fileURLWithPath: "/nonexistent"), maximumBatchRecords: 3)
        let app = buildApplication(configuration: configuration, service: fixture.store)
        try await app.test(.router) { client in
            let api = APIHarness(client: client, tokens: fixture.tokens)
            try await api.call(.post, "/v1/replicas", as: "li", json: ReplicaRegistration(replica: ReplicaID(rawValue: "li-laptop")!), expect: .ok)
            // Records no decoder would take: a count past the cap is refused for its size, not its shape.
            let invalid = #"{"protocolVersion":1,"replica":"li-laptop","records":[1,"two",{"kind":"lead"},[4],null]}"#
            let refused = try await api.call(.post, "/v1/sync/push", as: "li", body: ByteBuffer(string: invalid), expect: .contentTooLarge, code: "batch-too-large")
            #expect(String(buffer: refused.body).contains("at most 3 records"))
            // Strings holding brackets, commas and quotes do not fool the count.
            let tricky = #"{"records" : [ {"kind":"x","id":"a,b,c,d]"} , {"id":"\"],[,,,"} ], "replica":"li-laptop","protocolVersion":1}"#
            try await api.call(.post, "/v1/sync/push", as: "li", body: ByteBuffer(string: tricky), expect: .badRequest, code: "malformed-body")
            // At the cap, the body is decoded as usual.
            let atCap = #"{"protocolVersion":1,"replica":"li-laptop","records":[1,2,3]}"#
            try await api.call(.post, "/v1/sync/push", as: "li", body: ByteBuffer(string: atCap), expect: .badRequest, code: "malformed-body")
            let empty = #"{"protocolVersion":1,"replica":"li-laptop","records":[]}"#
            try await api.call(.post, "/v1/sync/push", as: "li", body: ByteBuffer(string: empty), expect: .ok)
        }
    }

    @Test("a user may register a limited number of replicas; revoking one frees a place")
    func replicaCap() async throws {
        let fixture = try await StoreFixture()
        let li = fixture.users["li"]!
        for n in 1...3 { _ = try await fixture.store.registerReplica(ReplicaID(rawValue: "li-\(n)")!, for: li, limit: 3) }
        _ = try await fixture.store.registerReplica(ReplicaID(rawValue: "li-2")!, for: li, limit: 3)  // a retry still works
        await #expect(throws: SyncError.tooManyReplicas(user: "li", limit: 3)) {
            try await fixture.store.registerReplica(ReplicaID(rawValue: "li-4")!, for: li, limit: 3)
        }
        #expect(SyncError.tooManyReplicas(user: "li", limit: 3).description.contains("ask an administrator to revoke old laptops"))
        _ = try await fixture.store.registerReplica(ReplicaID(rawValue: "wang-1")!, for: fixture.users["wang"]!, limit: 3)  // per user
        try await fixture.store.revokeReplica(ReplicaID(rawValue: "li-1")!)
        _ = try await fixture.store.registerReplica(ReplicaID(rawValue: "li-4")!, for: li, limit: 3)

        let configuration = ServerConfiguration(port: 0, dataDirectory: URL(fileURLWithPath: "/nonexistent"), maximumReplicasPerUser: 3)
        try await buildApplication(configuration: configuration, service: fixture.store).test(.router) { client in
            let api = APIHarness(client: client, tokens: fixture.tokens)
            try await api.call(.post, "/v1/replicas", as: "li", json: ReplicaRegistration(replica: ReplicaID(rawValue: "li-5")!), expect: .forbidden, code: "too-many-replicas")
        }
    }
}
