import Foundation
import Hummingbird
import HummingbirdTesting
import KAMProtocol
import KAMServer
import Testing

/// The stolen-laptop tools: a new token for a user, and one replica shut out.
@Suite("Replica administration")
struct ReplicaAdminTests {
    @Test("a new token ends the old one; the user's replicas and accounts stay theirs; a revoked user stays revoked")
    func newToken() async throws {
        let fixture = try await StoreFixture()
        var li = try await fixture.laptop("li", replica: "li-laptop")
        var cursor: UInt64 = 0
        let huawei = li.create(account("华为", owner: "li"))
        _ = try await fixture.sync(&li, cursor: &cursor)

        let token = try await fixture.store.replaceToken(name: "li")
        #expect(token != fixture.tokens["li"] && token.hasPrefix(Token.prefix))
        #expect(try await fixture.store.authenticate(token: fixture.tokens["li"]!) == nil)
        let user = try #require(try await fixture.store.authenticate(token: token))
        #expect(user.name == "li" && user.role == .rep)
        // Same user: the same replica pushes on, and the account is still theirs.
        li.write(huawei, "tier", .text("gold"))
        let ack = try await fixture.store.push(li.pushRequest(), by: user)
        #expect(ack.refused.isEmpty)
        #expect(try await fixture.store.replicas(user: "li").map(\.id.rawValue) == ["li-laptop"])

        await #expect(throws: UserError.unknown("nobody")) { try await fixture.store.replaceToken(name: "nobody") }
        try await fixture.store.revokeUser(name: "wang")
        await #expect(throws: UserError.revoked("wang")) { try await fixture.store.replaceToken(name: "wang") }
    }

    @Test("replicas are listed with user, registration and last sync; a revoked one is shut out, the user's others are not")
    func revokeOne() async throws {
        let fixture = try await StoreFixture()
        let li = fixture.users["li"]!
        let stolen = ReplicaID(rawValue: "li-stolen")!, kept = ReplicaID(rawValue: "li-kept")!
        _ = try await fixture.store.registerReplica(stolen, for: li)
        _ = try await fixture.store.registerReplica(kept, for: li)
        _ = try await fixture.store.registerReplica(ReplicaID(rawValue: "zhao-laptop")!, for: fixture.users["zhao"]!)

        var listed = try await fixture.store.replicas(user: nil)
        #expect(listed.map(\.id.rawValue) == ["li-kept", "li-stolen", "zhao-laptop"] || listed.map(\.id.rawValue) == ["li-stolen", "li-kept", "zhao-laptop"])
        #expect(listed.allSatisfy { $0.lastSeenAt == nil && !$0.isRevoked && $0.registeredAt > 0 })
        try await fixture.store.admitReplica(stolen, for: li)
        listed = try await fixture.store.replicas(user: "li")
        #expect(listed.count == 2 && listed.first { $0.id == stolen }?.lastSeenAt != nil && listed.first { $0.id == kept }?.lastSeenAt == nil)

        try await fixture.store.revokeReplica(stolen)
        await #expect(throws: SyncError.replicaRevoked(stolen)) { try await fixture.store.admitReplica(stolen, for: li) }
        await #expect(throws: SyncError.replicaRevoked(stolen)) { try await fixture.store.registerReplica(stolen, for: li) }
        try await fixture.store.admitReplica(kept, for: li)
        await #expect(throws: SyncError.replicaOfAnotherUser(kept)) { try await fixture.store.admitReplica(kept, for: fixture.users["wang"]!) }
        await #expect(throws: SyncError.replicaNotRegistered(ReplicaID(rawValue: "nowhere")!)) {
            try await fixture.store.admitReplica(ReplicaID(rawValue: "nowhere")!, for: li)
        }
        #expect(try await fixture.store.replicas(user: "li").first { $0.id == stolen }?.isRevoked == true)
        await #expect(throws: UserError.unknownReplica("nowhere")) { try await fixture.store.revokeReplica(ReplicaID(rawValue: "nowhere")!) }
        #expect(SyncError.replicaRevoked(stolen).description.contains("kam init"))
    }

    @Test("a pull or push naming its replica is admitted in its own transaction and notes the replica seen", arguments: Storage.all)
    func admittedInItsOwnTransaction(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        let li = fixture.users["li"]!
        var laptop = try await fixture.laptop("li", replica: "li-laptop")
        let other = try await fixture.laptop("li", replica: "li-other")
        func lastSeen(_ replica: ReplicaID) async throws -> Int64? {
            try await fixture.store.replicas(user: "li").first { $0.id == replica }?.lastSeenAt
        }

        // A pull naming no replica notes nothing; one naming it notes it seen.
        _ = try await fixture.store.pullPage(since: 0, limit: 10, for: li)
        #expect(try await lastSeen(laptop.clock.replica) == nil)
        _ = try await fixture.store.pullPage(since: 0, limit: 10, for: li, replica: laptop.clock.replica)
        let seen = try #require(try await lastSeen(laptop.clock.replica))
        // Within the minute it is not written again.
        _ = try await fixture.store.pullPage(since: 0, limit: 10, for: li, replica: laptop.clock.replica)
        #expect(try await lastSeen(laptop.clock.replica) == seen)
        // A push notes its replica seen in the push's own transaction.
        let huawei = laptop.create(account("华为", owner: "li"))
        #expect(try await fixture.store.push(laptop.pushRequest(), by: li).refused.isEmpty)
        #expect(try await lastSeen(laptop.clock.replica) == seen)
        #expect(try await lastSeen(other.clock.replica) == nil)
        _ = try await fixture.store.push(PushRequest(replica: other.clock.replica, records: []), by: li)
        #expect(try await lastSeen(other.clock.replica) != nil)

        // Refused before anything is read: another user's, an unknown and a revoked replica.
        await #expect(throws: SyncError.replicaOfAnotherUser(laptop.clock.replica)) {
            try await fixture.store.pullPage(since: 0, limit: 10, for: fixture.users["wang"]!, replica: laptop.clock.replica)
        }
        let nowhere = ReplicaID(rawValue: "nowhere")!
        await #expect(throws: SyncError.replicaNotRegistered(nowhere)) { try await fixture.store.pullPage(since: 0, limit: 10, for: li, replica: nowhere) }
        await #expect(throws: SyncError.replicaNotRegistered(nowhere)) { try await fixture.store.push(PushRequest(replica: nowhere, records: []), by: li) }
        try await fixture.store.revokeReplica(laptop.clock.replica)
        await #expect(throws: SyncError.replicaRevoked(laptop.clock.replica)) {
            try await fixture.store.pullPage(since: 0, limit: 10, for: li, replica: laptop.clock.replica)
        }
        laptop.write(huawei, "tier", .text("gold"))
        await #expect(throws: SyncError.replicaRevoked(laptop.clock.replica)) { try await fixture.store.push(laptop.pushRequest(), by: li) }
    }

    @Test("a revoked replica's pushes and pulls get 403 replica-revoked; the user's other laptop syncs on")
    func revokedOverHTTP() async throws {
        let fixture = try await StoreFixture()
        let configuration = ServerConfiguration(port: 0, dataDirectory: URL(fileURLWithPath: "/nonexistent"))
        try await buildApplication(configuration: configuration, service: fixture.store).test(.router) { client in
            let api = APIHarness(client: client, tokens: fixture.tokens)
            for replica in ["li-stolen", "li-kept"] {
                try await api.call(.post, "/v1/replicas", as: "li", json: ReplicaRegistration(replica: ReplicaID(rawValue: replica)!), expect: .ok)
            }
            var stolen = Laptop(fixture.users["li"]!, replica: "li-stolen")
            stolen.create(account("华为", owner: "li"))
            try await fixture.store.revokeReplica(ReplicaID(rawValue: "li-stolen")!)
            try await api.call(.post, "/v1/sync/push", as: "li", json: stolen.pushRequest(), expect: .forbidden, code: "replica-revoked")
            try await api.call(.get, "/v1/sync/pull?since=0&replica=li-stolen", route: "/v1/sync/pull", as: "li", expect: .forbidden, code: "replica-revoked")
            try await api.call(.post, "/v1/replicas", as: "li", json: ReplicaRegistration(replica: ReplicaID(rawValue: "li-stolen")!), expect: .forbidden, code: "replica-revoked")
            var kept = Laptop(fixture.users["li"]!, replica: "li-kept")
            kept.create(account("中兴", owner: "li"))
            try await api.call(.post, "/v1/sync/push", as: "li", json: kept.pushRequest(), expect: .ok)
            let page = try api.decode(PullPage.self, try await api.call(.get, "/v1/sync/pull?since=0&replica=li-kept", route: "/v1/sync/pull", as: "li", expect: .ok))
            #expect(page.records.count == 1)
            try await api.call(.get, "/v1/sync/pull?replica=li-kept", route: "/v1/sync/pull", as: "wang", expect: .forbidden, code: "replica-of-another-user")
            try await api.call(.get, "/v1/sync/pull?replica=not%20an%20id", route: "/v1/sync/pull", as: "li", expect: .badRequest, code: "bad-request")
        }
        #expect(try await fixture.store.replicas(user: "li").first { $0.id.rawValue == "li-kept" }?.lastSeenAt != nil)
    }
}
