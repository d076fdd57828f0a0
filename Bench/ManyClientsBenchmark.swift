import AsyncHTTPClient
import Foundation
import KAMClient
import KAMProtocol
import KAMServer
import Logging
import NIOCore

/// Benchmark 5: many laptops alternating push and pull against one server.
enum ManyClientsBenchmark {
    static func run(_ context: BenchContext) async throws -> (BenchmarkReport, Figures) {
        let scale = context.scale
        var report = BenchmarkReport(
            number: 5, title: "Many clients",
            workload: "\(scale.clients) concurrent clients (AsyncHTTPClient, one connection each, in the bench process on the same 2 cores), each a rep with its own account, alternating a push of one changed field and a pull from its cursor naming its replica (both binary, as `kam` sends and asks for them) for \(scale.clientSeconds) s against one `kam-server` (release, SQLite). Reference: the same clients calling `/healthz` for \(scale.clientSeconds) s against the same server in the same run.")
        let data = try context.folder("server-many")
        var quiet = Logger(label: "kam.bench.store")
        quiet.logLevel = .warning
        var tokens: [String] = []
        do {
            let store = SyncService(storage: try SQLiteStore.open(directory: data, logger: quiet), logger: quiet)
            for index in 0..<scale.clients { tokens.append(try await store.addUser(name: "rep\(index)", role: .rep)) }
        }
        // Every client is served at once: the benchmark measures the work, not the busy limit.
        let server = try ServerProcess(
            binary: context.binary("kam-server"), data: data, extra: ["--max-concurrent-syncs", String(max(scale.clients, 1))])
        defer { server.stop() }

        do {
            let (health, sync) = try await measure(servers: [server.url], tokens: tokens, seconds: scale.clientSeconds)
            let rss = server.peakResidentBytes
            let share = sync.rate / health.rate
            report.rows = [
                .init("requests", kam: Format.count(sync.latencies.sorted.count), reference: Format.count(health.latencies.sorted.count)),
                .init("requests per second", kam: Format.rate(sync.rate, "req"), reference: Format.rate(health.rate, "req"), ratio: Format.percent(share)),
                .init("latency p50", kam: Format.seconds(sync.latencies.median), reference: Format.seconds(health.latencies.median)),
                .init("latency p99", kam: Format.seconds(sync.latencies.quantile(0.99)), reference: Format.seconds(health.latencies.quantile(0.99))),
                .init("server peak RSS", kam: Format.bytes(rss)),
            ]
            report.goal("at least 25 % of the /healthz rate", measured: Format.percent(share), met: share >= 0.25, judged: scale.judged)
            report.goal("p99 under 100 ms", measured: Format.seconds(sync.latencies.quantile(0.99)), met: sync.latencies.quantile(0.99) < 0.1, judged: scale.judged)
            report.goal("server RSS under 300 MB", measured: Format.bytes(rss), met: rss < 300_000_000, judged: scale.judged)
            return (report, Figures(health: health, sync: sync, peakResidentBytes: rss))
        }
    }

    struct Phase: Sendable {
        var latencies: Sample
        var rate: Double
    }

    /// What a run measured; the PostgreSQL benchmark reports the SQLite run's beside its own.
    struct Figures: Sendable {
        var health: Phase
        var sync: Phase
        var peakResidentBytes: Int64
    }

    /// `tokens.count` clients, spread over `servers` in turn: `/healthz` for
    /// `seconds`, then push-or-pull for `seconds`.
    static func measure(servers: [URL], tokens: [String], seconds: Int) async throws -> (health: Phase, sync: Phase) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = tokens.count
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let clients = try await withThrowingTaskGroup(of: SyncClient.self) { group in
                for (index, token) in tokens.enumerated() {
                    let server = servers[index % servers.count]
                    group.addTask { try await SyncClient(http: client, server: server, token: token) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let health = try await phase(clients, seconds: seconds) { try await $0.health() }
            let sync = try await phase(clients, seconds: seconds) { try await $0.pushOrPull() }
            try await client.shutdown()
            return (health, sync)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Every client calls `request` in a loop for `seconds`; the latencies of all calls and the overall rate.
    static func phase(_ clients: [SyncClient], seconds: Int, _ request: @escaping @Sendable (SyncClient) async throws -> Void) async throws -> Phase {
        let start = ContinuousClock.now
        let deadline = start + .seconds(seconds)
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in clients {
                group.addTask {
                    var times: [Double] = []
                    while ContinuousClock.now < deadline {
                        let begin = ContinuousClock.now
                        try await request(client)
                        times.append(Stopwatch.seconds(ContinuousClock.now - begin))
                    }
                    return times
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = Stopwatch.seconds(ContinuousClock.now - start)
        return Phase(latencies: Sample(latencies), rate: Double(latencies.count) / elapsed)
    }
}

/// One laptop in the many-clients benchmark: its own replica and account.
final class SyncClient: @unchecked Sendable {
    let http: HTTPClient
    let server: URL
    let token: String
    // One task at a time drives a client, so its state needs no lock.
    var clock: DotClock
    var account: RecordState
    var cursor: UInt64 = 0
    var pushNext = true

    init(http: HTTPClient, server: URL, token: String) async throws {
        self.http = http
        self.server = server
        self.token = token
        clock = DotClock(replica: .random())
        account = RecordState(kind: .account, id: .random())
        let _: ReplicaRegistered = try await call("POST", "v1/replicas", ReplicaRegistration(replica: clock.replica))
        account.write("name", .text("Account of \(token.prefix(6))"), clock: &clock, at: .now())
        account.write("stage", .text(Stage.development.rawValue), clock: &clock, at: .now())
        let _: PushAcknowledgement = try await call("POST", "v1/sync/push", PushRequest(replica: clock.replica, records: [account]))
    }

    func health() async throws {
        var request = HTTPClientRequest(url: server.appendingPathComponent("healthz").absoluteString)
        request.method = .GET
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw BenchError("/healthz answered \(response.status)") }
    }

    /// A push of one changed field, or a pull from the cursor, in turn.
    func pushOrPull() async throws {
        defer { pushNext.toggle() }
        if pushNext {
            account.write("notes", .text("visit \(clock.counter)"), clock: &clock, at: .now())
            // Binary, as `kam` pushes to a server of protocol 2 or later.
            let push = PushRequest(replica: clock.replica, records: [account.delta(fields: ["notes"], existence: false)])
            let acknowledgement: PushAcknowledgement = try await call(
                "POST", "v1/sync/push", body: (push.binaryEncoded(), PushRequest.binaryMediaType))
            guard acknowledgement.refused.isEmpty else { throw BenchError("push refused: \(acknowledgement.refused[0].message)") }
        } else {
            var request = HTTPClientRequest(url: server.absoluteString + "/v1/sync/pull?since=\(cursor)&limit=\(SyncEngine.defaultPullLimit)&replica=\(clock.replica)&protocol=\(KAMProtocolVersion.current)")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Accept", value: PullPage.binaryMediaType)
            let response = try await http.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            guard response.status == .ok else { throw BenchError("pull answered \(response.status)") }
            cursor = try PullPage(binary: Data(bytes.readableBytesView)).cursor
        }
    }

    func call<Body: Encodable, Answer: Decodable>(_ method: String, _ path: String, _ body: Body) async throws -> Answer {
        try await call(method, path, body: (try WireFormat.encoder().encode(body), "application/json"))
    }

    /// `body` sent as the content type given beside it; the answer is JSON.
    func call<Answer: Decodable>(_ method: String, _ path: String, body: (Data, String)) async throws -> Answer {
        var request = HTTPClientRequest(url: server.absoluteString + "/" + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: body.1)
        request.body = .bytes(ByteBuffer(bytes: body.0))
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw BenchError("\(path) answered \(response.status): \(String(buffer: bytes))")
        }
        return try WireFormat.decoder().decode(Answer.self, from: Data(bytes.readableBytesView))
    }
}

