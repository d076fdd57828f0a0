import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import KAMProtocol
import KAMServer
import Testing

@Suite("HTTP API")
struct APIContractTests {
    static func makeApplication() async throws -> (some ApplicationProtocol, StoreFixture, Router<KAMRequestContext>) {
        let fixture = try await StoreFixture()
        let configuration = ServerConfiguration(
            port: 0, dataDirectory: URL(fileURLWithPath: "/nonexistent"), maximumBodyBytes: 64 * 1024, maximumBatchRecords: 50,
            maximumReplicasPerUser: 3)
        let metrics = ServerMetrics()
        let router = buildRouter(configuration: configuration, service: fixture.store, metrics: metrics)
        let app = buildApplication(configuration: configuration, service: fixture.store, metrics: metrics)
        return (app, fixture, router)
    }

    static let at = Timestamp(rawValue: 1_795_427_400_000)

    @Test("every route, role and error answers as openapi.yaml says")
    func contract() async throws {
        let (app, fixture, router) = try await Self.makeApplication()
        let seen = try await app.test(.router) { client in
            let api = APIHarness(client: client, tokens: fixture.tokens)
            try await Self.exercise(api, fixture: fixture)
            return api.seen
        }
        // The router and the spec list the same operations; the office dashboard's HTML pages are not the API.
        let spec = try OpenAPISpec.operations()
        let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description.hasPrefix("/") ? "" : "/")\($0.path)" })
            .filter { !$0.split(separator: " ")[1].hasPrefix("/office") }
        #expect(routes == Set(spec.keys), "router: \(routes.sorted()), spec: \(spec.keys.sorted())")
        // Every status the server gave on a route is documented for it.
        for entry in seen.sorted() {
            let parts = entry.split(separator: " ")
            let operation = "\(parts[0]) \(parts[1])"
            guard let statuses = spec[operation] else { continue }  // unknown routes answer 404 by design
            #expect(statuses.contains(Int(parts[2])!), "\(entry) is not in openapi.yaml")
        }
    }

    static func exercise(_ api: APIHarness, fixture: StoreFixture) async throws {
        // Health and metrics need no token.
        let health = try await api.call(.get, "/healthz", expect: .ok)
        #expect(String(buffer: health.body).contains("\"ok\""))

        // Authentication.
        try await api.call(.get, "/v1/sync/pull", expect: .unauthorized, code: "unauthorized")
        try await api.call(.get, "/v1/sync/pull", headers: [.authorization: "Basic abc"], expect: .unauthorized, code: "unauthorized")
        try await api.call(.get, "/v1/sync/pull", as: "kam_not-a-token", expect: .unauthorized, code: "unauthorized")

        // Registration.
        let liReplica = ReplicaID(rawValue: "li-laptop")!
        let registered = try await api.call(.post, "/v1/replicas", as: "li", json: ReplicaRegistration(replica: liReplica), expect: .ok)
        #expect(try api.decode(ReplicaRegistered.self, registered).user == "li")
        try await api.call(.post, "/v1/replicas", as: "li", json: ReplicaRegistration(replica: liReplica), expect: .ok)
        try await api.call(.post, "/v1/replicas", as: "wang", json: ReplicaRegistration(replica: liReplica), expect: .forbidden, code: "replica-of-another-user")
        try await api.call(.post, "/v1/replicas", as: "li", body: ByteBuffer(string: #"{"protocolVersion":1,"replica":"a b"}"#), expect: .badRequest, code: "malformed-body")
        try await api.call(.post, "/v1/replicas", as: "li", json: ReplicaRegistration(replica: liReplica, protocolVersion: 9), expect: .badRequest, code: "unsupported-protocol-version")

        // A first push, and its retry.
        var li = Laptop(fixture.users["li"]!, replica: "li-laptop")
        let huawei = li.create(account("华为", owner: "li", stage: .initial, share: 20))
        let push = li.pushRequest()
        let ack = try api.decode(PushAcknowledgement.self, try await api.call(.post, "/v1/sync/push", as: "li", json: push, expect: .ok))
        #expect(ack.accepted == 5 && ack.refused.isEmpty)
        let retry = try api.decode(PushAcknowledgement.self, try await api.call(.post, "/v1/sync/push", as: "li", json: push, expect: .ok))
        #expect(retry.sequence == ack.sequence)

        // Pull, plain and gzipped.
        let page = try api.decode(PullPage.self, try await api.call(.get, "/v1/sync/pull?since=0&limit=100", as: "li", expect: .ok))
        #expect(page.records == [li.states[huawei]!] && page.cursor == ack.sequence && !page.hasMore)
        #expect(try await api.call(.get, "/v1/sync/pull?since=0", as: "li", headers: [.acceptEncoding: "gzip"], expect: .ok)
            .headers[.contentEncoding] == nil)  // too small to gain from it
        // The same page in binary form, for a client that asks for it.
        let binary = try await api.call(
            .get, "/v1/sync/pull?since=0&limit=100", as: "li", headers: [.accept: "\(PullPage.binaryMediaType), application/json;q=0.5"], expect: .ok)
        #expect(binary.headers[.contentType] == PullPage.binaryMediaType)
        #expect(try PullPage(binary: Data(buffer: binary.body)) == page)
        #expect(try await api.call(.get, "/v1/sync/pull?since=0", as: "li", headers: [.accept: "application/json"], expect: .ok)
            .headers[.contentType]?.hasPrefix("application/json") == true)
        try await api.call(.get, "/v1/sync/pull?since=-1", as: "li", expect: .badRequest, code: "bad-request")
        try await api.call(.get, "/v1/sync/pull?limit=0", as: "li", expect: .badRequest, code: "bad-request")
        try await api.call(.get, "/v1/sync/pull?since=abc", as: "li", expect: .badRequest, code: "bad-request")
        try await api.call(.get, "/v1/sync/pull?since=999999", as: "li", expect: .conflict, code: "cursor-ahead")
        try await api.call(.get, "/v1/sync/pull?since=0&protocol=\(KAMProtocolVersion.current + 1)", as: "li", expect: .badRequest, code: "unsupported-protocol-version")
        try await api.call(.get, "/v1/sync/pull?since=0&protocol=0", as: "li", expect: .badRequest, code: "bad-request")
        let current = try api.decode(PullPage.self, try await api.call(.get, "/v1/sync/pull?since=0&protocol=2", as: "li", expect: .ok))
        #expect(current.protocolVersion == 2 && current.records == page.records)
        // Binary pages: a laptop of the release before (protocol 2) gets registers spelled out as it always
        // did; protocol 3 gets the stored records and the replicas their numbers stand for. Both read the same.
        let binaryPages: HTTPFields = [.accept: PullPage.binaryMediaType]
        let earlier = Data(try await api.call(.get, "/v1/sync/pull?since=0&protocol=2", as: "li", headers: binaryPages, expect: .ok).body.readableBytesView)
        let now = Data(try await api.call(.get, "/v1/sync/pull?since=0&protocol=3", as: "li", headers: binaryPages, expect: .ok).body.readableBytesView)
        #expect(Array(earlier.prefix(2)) == [0xB2, 2] && Array(now.prefix(2)) == [0xB2, 3])
        #expect(try PullPage(binary: earlier).records == page.records)
        #expect(try PullPage(binary: now).records == page.records)
        let stored = try RecordPage(binary: now)
        #expect(stored.records.allSatisfy { RecordEncoding.isRecord($0.bytes) } && !stored.replicas.isEmpty)

        // Fetching records back: only what the user may see; a bounded list.
        let fetched = try api.decode(
            FetchAnswer.self, try await api.call(.post, "/v1/sync/fetch", as: "li", json: FetchRequest(ids: [huawei, RecordID(rawValue: "nope")!]), expect: .ok))
        #expect(fetched.records.map(\.id) == [huawei])
        let tooMany = FetchRequest(ids: (0...FetchRequest.maximumIDs).map { RecordID(rawValue: "r\($0)")! })
        try await api.call(.post, "/v1/sync/fetch", as: "li", json: tooMany, expect: .contentTooLarge, code: "batch-too-large")
        try await api.call(.post, "/v1/sync/fetch", as: "li", body: ByteBuffer(string: "{"), expect: .badRequest)

        // A binary push, as kam sends it; one that cannot be read; one over the batch cap, refused from its header.
        li.write(huawei, "region", .text("华南"))
        let binaryPush = li.pushRequest()
        let binaryAck = try api.decode(
            PushAcknowledgement.self,
            try await api.call(
                .post, "/v1/sync/push", as: "li", headers: [.contentType: PushRequest.binaryMediaType], body: ByteBuffer(bytes: binaryPush.binaryEncoded()),
                expect: .ok))
        #expect(binaryAck.accepted == 1 && binaryAck.refused.isEmpty)
        try await api.call(
            .post, "/v1/sync/push", as: "li", headers: [.contentType: PushRequest.binaryMediaType], body: ByteBuffer(string: "{}"),
            expect: .badRequest, code: "malformed-body")
        let oversized = PushRequest(replica: liReplica, records: (0...50).map { RecordState(kind: .account, id: RecordID(rawValue: "r\($0)")!) })
        try await api.call(
            .post, "/v1/sync/push", as: "li", headers: [.contentType: PushRequest.binaryMediaType],
            body: ByteBuffer(bytes: oversized.binaryEncoded().prefix(200)), expect: .contentTooLarge, code: "batch-too-large")

        // A gzipped push body.
        li.write(huawei, "notes", .text(String(repeating: "大客户 ", count: 300)))
        var plain = ByteBuffer(bytes: try WireFormat.encoder().encode(li.pushRequest()))
        let gzipped = try plain.compress(with: .gzip())
        try await api.call(.post, "/v1/sync/push", as: "li", headers: [.contentEncoding: "gzip", .contentType: "application/json"], body: gzipped, expect: .ok)
        let zipped = try await api.call(.get, "/v1/sync/pull?since=0", as: "li", headers: [.acceptEncoding: "gzip, deflate"], expect: .ok)
        #expect(zipped.headers[.contentEncoding] == "gzip")
        #expect(try api.decode(PullPage.self, zipped).records == [li.states[huawei]!])
        #expect(try await api.call(.get, "/v1/sync/pull?since=0", as: "li", headers: [.acceptEncoding: "gzip;q=0"], expect: .ok)
            .headers[.contentEncoding] == nil)
        try await api.call(.post, "/v1/sync/push", as: "li", headers: [.contentEncoding: "gzip"], body: ByteBuffer(string: "not gzip"), expect: .badRequest, code: "malformed-body")
        try await api.call(.post, "/v1/sync/push", as: "li", headers: [.contentEncoding: "br"], body: ByteBuffer(string: "{}"), expect: .unsupportedMediaType, code: "unsupported-encoding")
        // Counters past what a store holds and times outside 1970–9999 are refused, never trapped on.
        for (counter, time, code) in [
            ("9223372036854775808", "1795427400000", "malformed-body"), ("18446744073709551615", "1795427400000", "malformed-body"),
            ("5", "-9223372036854775808", "invalid-value"),
        ] {
            let body = #"{"protocolVersion":1,"replica":"li-laptop","records":[{"kind":"account","id":"acct-x","fields":{"notes":{"s":[{"d":{"r":"li-laptop","c":COUNTER},"v":"x","t":TIME}],"vv":{"li-laptop":COUNTER}}}}]}"#
                .replacingOccurrences(of: "COUNTER", with: counter).replacingOccurrences(of: "TIME", with: time)
            try await api.call(.post, "/v1/sync/push", as: "li", headers: [.contentType: "application/json"], body: ByteBuffer(string: body), expect: .badRequest, code: code)
        }

        // Bad bodies: never a 5xx, never a partial write.
        let before = try api.decode(PullPage.self, try await api.call(.get, "/v1/sync/pull", as: "zhao", expect: .ok))
        let bad: [(String, String)] = [
            ("{", "malformed-body"),
            ("[]", "malformed-body"),
            (#"{"protocolVersion":"1","replica":"li-laptop","records":[]}"#, "malformed-body"),
            (#"{"protocolVersion":1,"replica":"li-laptop"}"#, "malformed-body"),
            (#"{"protocolVersion":1,"replica":"li-laptop","records":[{"kind":"lead","id":"x"}]}"#, "malformed-body"),
            (#"{"protocolVersion":1,"replica":"li-laptop","records":[{"kind":"account","id":"x","fields":{"stage":{"s":[{"d":{"r":"li-laptop","c":900},"t":0,"v":"won"}],"vv":{"li-laptop":900}}}}]}"#, "invalid-value"),
            (#"{"protocolVersion":1,"replica":"li-laptop","records":[{"kind":"account","id":"x","fields":{"colour":{"s":[{"d":{"r":"li-laptop","c":900},"t":0,"v":"red"}],"vv":{"li-laptop":900}}}}]}"#, "invalid-value"),
            (#"{"protocolVersion":1,"replica":"li-laptop","records":[{"kind":"account","id":"x","fields":{"name":{"s":[{"d":{"r":"li-laptop","c":900},"t":0,"v":"x"}],"vv":{"li-laptop":3}}}}]}"#, "malformed-body"),
            (#"{"protocolVersion":1,"replica":"li-laptop","records":[{"kind":"account","id":"x","fields":{"name":{"s":[],"vv":{"li-laptop":-4}}}}]}"#, "malformed-body"),
            (#"{"protocolVersion":\#(KAMProtocolVersion.current + 1),"replica":"li-laptop","records":[]}"#, "unsupported-protocol-version"),
        ]
        for (body, code) in bad {
            try await api.call(.post, "/v1/sync/push", as: "li", body: ByteBuffer(string: body), expect: .badRequest, code: code)
        }
        let huge = ByteBuffer(repeating: UInt8(ascii: " "), count: 65 * 1024)
        try await api.call(.post, "/v1/sync/push", as: "li", body: huge, expect: .contentTooLarge, code: "body-too-large")
        var many = Laptop(fixture.users["li"]!, replica: "li-laptop")
        for i in 0..<51 { many.create(Contact(account: huawei, name: "c\(i)")) }
        try await api.call(.post, "/v1/sync/push", as: "li", json: many.pushRequest(), expect: .contentTooLarge, code: "batch-too-large")

        // Forged history, restored backups, other people's replicas, the read-only office.
        var forger = Laptop(fixture.users["li"]!, replica: "wang-laptop")
        forger.create(account("fake", owner: "li"))
        let forged = PushRequest(replica: liReplica, records: forger.pushRequest().records)
        try await api.call(.post, "/v1/sync/push", as: "li", json: forged, expect: .forbidden, code: "foreign-dot")
        var restored = Laptop(fixture.users["li"]!, replica: "li-laptop")
        restored.create(account("after restore", owner: "li"))
        try await api.call(.post, "/v1/sync/push", as: "li", json: restored.pushRequest(), expect: .conflict, code: "replica-reused-counter")
        try await api.call(.post, "/v1/sync/push", as: "wang", json: PushRequest(replica: liReplica, records: []), expect: .forbidden, code: "replica-of-another-user")
        try await api.call(.post, "/v1/sync/push", as: "wang", json: PushRequest(replica: ReplicaID(rawValue: "nowhere")!, records: []), expect: .conflict, code: "replica-not-registered")
        try await api.call(.post, "/v1/sync/push", as: "office", json: PushRequest(replica: liReplica, records: []), expect: .forbidden, code: "read-only-role")
        let after = try api.decode(PullPage.self, try await api.call(.get, "/v1/sync/pull", as: "zhao", expect: .ok))
        #expect(after == before)

        // A rep's edit to another rep's account is refused in the acknowledgement.
        try await api.call(.post, "/v1/replicas", as: "wang", json: ReplicaRegistration(replica: ReplicaID(rawValue: "wang-laptop")!), expect: .ok)
        var wang = Laptop(fixture.users["wang"]!, replica: "wang-laptop")
        wang.states[huawei] = li.states[huawei]
        wang.write(huawei, "tier", .text("gold"))
        let refused = try api.decode(PushAcknowledgement.self, try await api.call(.post, "/v1/sync/push", as: "wang", json: wang.pushRequest(), expect: .ok))
        #expect(refused.refused.map(\.code) == ["not-owner"])

        // Office queries.
        let list = try api.decode(AccountList.self, try await api.call(.get, "/v1/accounts?stage=initial&text=%E5%8D%8E", as: "office", expect: .ok))
        #expect(list.accounts.map(\.id) == [huawei])
        #expect(list.accounts.first?.share == (try Share(percent: 20)))
        try await api.call(.get, "/v1/accounts?stage=won", as: "office", expect: .badRequest, code: "bad-request")
        try await api.call(.get, "/v1/accounts?has-conflicts=maybe", as: "office", expect: .badRequest, code: "bad-request")
        try await api.call(.get, "/v1/accounts?limit=5000", as: "office", expect: .badRequest, code: "bad-request")
        // A search text of 25,001 wildcards is a mistake to name, not a failure.
        try await api.call(.get, "/v1/accounts?text=" + String(repeating: "_", count: 25_001), route: "/v1/accounts", as: "office", expect: .badRequest, code: "bad-request")
        try await api.call(.get, "/v1/accounts?text=" + String(repeating: "_", count: AccountQuery.maximumTextLength), route: "/v1/accounts", as: "office", expect: .ok)
        #expect(try api.decode(AccountList.self, try await api.call(.get, "/v1/accounts", as: "wang", expect: .ok)).total == 0)
        let detail = try api.decode(AccountDetail.self, try await api.call(.get, "/v1/accounts/\(huawei)", route: "/v1/accounts/{id}", as: "office", expect: .ok))
        #expect(detail.account.name == "华为")
        try await api.call(.get, "/v1/accounts/\(huawei)", route: "/v1/accounts/{id}", as: "wang", expect: .notFound, code: "not-found")
        try await api.call(.get, "/v1/accounts/nope", route: "/v1/accounts/{id}", as: "office", expect: .notFound, code: "not-found")
        let pipeline = try api.decode(PipelineReport.self, try await api.call(.get, "/v1/reports/pipeline", as: "office", expect: .ok))
        #expect(pipeline.stages.first { $0.stage == .initial }?.accounts == 1)

        // The pull may name its replica; a revoked replica (a stolen laptop) is shut out of pulls, pushes and registration.
        try await api.call(.get, "/v1/sync/pull?replica=li-laptop", route: "/v1/sync/pull", as: "li", expect: .ok)
        let stolen = ReplicaID(rawValue: "zhao-stolen")!
        try await api.call(.post, "/v1/replicas", as: "zhao", json: ReplicaRegistration(replica: stolen), expect: .ok)
        try await fixture.store.revokeReplica(stolen)
        try await api.call(.get, "/v1/sync/pull?replica=zhao-stolen", route: "/v1/sync/pull", as: "zhao", expect: .forbidden, code: "replica-revoked")
        try await api.call(.post, "/v1/sync/push", as: "zhao", json: PushRequest(replica: stolen, records: []), expect: .forbidden, code: "replica-revoked")
        try await api.call(.post, "/v1/replicas", as: "zhao", json: ReplicaRegistration(replica: stolen), expect: .forbidden, code: "replica-revoked")
        try await api.call(.get, "/v1/sync/pull?replica=li-laptop", route: "/v1/sync/pull", as: "zhao", expect: .forbidden, code: "replica-of-another-user")
        try await api.call(.get, "/v1/sync/pull?replica=nowhere", route: "/v1/sync/pull", as: "zhao", expect: .conflict, code: "replica-not-registered")
        // At most three replicas per user here; the revoked one does not count.
        for n in 1...3 {
            try await api.call(.post, "/v1/replicas", as: "zhao", json: ReplicaRegistration(replica: ReplicaID(rawValue: "zhao-\(n)")!), expect: .ok)
        }
        try await api.call(.post, "/v1/replicas", as: "zhao", json: ReplicaRegistration(replica: ReplicaID(rawValue: "zhao-4")!), expect: .forbidden, code: "too-many-replicas")

        // A revoked token stops working at once.
        try await fixture.store.revokeUser(name: "wang")
        try await api.call(.get, "/v1/sync/pull", as: "wang", expect: .unauthorized, code: "unauthorized")
        try await api.call(.post, "/v1/sync/push", as: "wang", json: PushRequest(replica: ReplicaID(rawValue: "wang-laptop")!, records: []), expect: .unauthorized, code: "unauthorized")

        // Unknown routes answer in the same JSON shape.
        try await api.call(.get, "/v2/nothing", expect: .notFound, code: "not-found")

        // The metrics counted what happened.
        let metrics = String(buffer: try await api.call(.get, "/metrics", expect: .ok).body)
        #expect(metrics.contains("kam_http_requests_total"))
        #expect(metrics.contains("kam_merged_field_states_total"))
        #expect(metrics.contains("kam_refused_records_total"))
    }
}
