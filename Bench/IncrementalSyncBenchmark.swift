import Foundation
import KAMClient
import KAMProtocol

/// Benchmark 4: one changed field synced into a small and a large replica.
enum IncrementalSyncBenchmark {
    static func run(_ context: BenchContext, server: ServerProcess, seeded: SeededServer, largeHome: URL) async throws -> BenchmarkReport {
        let scale = context.scale
        var report = BenchmarkReport(
            number: 4, title: "Incremental sync",
            workload: "A second laptop of the same rep changes one account's notes and pushes; then the measured laptop runs a whole sync (push check, pull, apply, conflict count) in process through libcurl against `kam-server` on loopback. Once into the replica holding \(Format.count(scale.smallTerritory)) accounts, once into the one holding \(Format.count(scale.largeTerritory)); \(scale.repetitions) rounds each, medians.")
        let smallHome = try context.folder("laptop-small")
        let small = try ReplicaStore.create(
            home: ReplicaHome(url: smallHome), settings: ReplicaSettings(replica: .random(), server: server.url, token: seeded.smallToken))
        _ = try await SyncEngine(store: small, transport: CurlTransport()).sync()
        let large = try ReplicaStore.open(home: ReplicaHome(url: largeHome))

        var smallEditor = try await Editor(server: server.url, token: seeded.smallToken)
        var largeEditor = try await Editor(server: server.url, token: seeded.largeToken)
        var smallTimes: [Double] = []
        var largeTimes: [Double] = []
        for round in 0..<scale.repetitions {
            smallTimes.append(try await syncOneChange(into: small, editor: &smallEditor, account: "small-a\(round % scale.smallTerritory)", round: round))
            largeTimes.append(try await syncOneChange(into: large, editor: &largeEditor, account: "large-a\(round * 997 % scale.largeTerritory)", round: round))
        }
        let smallMedian = Sample(smallTimes).median
        let largeMedian = Sample(largeTimes).median
        let ratio = largeMedian / smallMedian
        report.rows = [
            .init("sync of one change, \(Format.count(scale.smallTerritory)) accounts", kam: Format.seconds(smallMedian), reference: "range \(Sample(smallTimes).spread)"),
            .init("sync of one change, \(Format.count(scale.largeTerritory)) accounts", kam: Format.seconds(largeMedian), reference: "range \(Sample(largeTimes).spread)"),
            .init("large ÷ small", kam: Format.ratio(ratio)),
        ]
        report.goal("large ÷ small at most 1.5", measured: Format.ratio(ratio), met: ratio <= 1.5, judged: scale.judged)
        report.goal("under 30 ms", measured: Format.seconds(largeMedian), met: largeMedian < 0.030, judged: scale.judged)
        return report
    }

    /// The editor changes `account`'s notes; returns the seconds `store`'s sync took to bring it in.
    static func syncOneChange(into store: ReplicaStore, editor: inout Editor, account: String, round: Int) async throws -> Double {
        let id = RecordID(rawValue: account)!
        guard let current = try store.record(id) else { throw BenchError("\(account) is not in the replica") }
        try await editor.change(current, field: "notes", to: .text("call back, round \(round)"))
        let engine = SyncEngine(store: store, transport: CurlTransport())
        var pulled = 0
        let seconds = try await Stopwatch.time { pulled = try await engine.sync().pulled }
        guard pulled == 1 else { throw BenchError("the sync pulled \(pulled) field states, not the one change") }
        return seconds
    }
}

/// A second laptop that only pushes: registers its own replica and writes one field at a time.
struct Editor {
    let server: URL
    let token: String
    let transport = CurlTransport()
    var clock: DotClock

    init(server: URL, token: String) async throws {
        self.server = server
        self.token = token
        clock = DotClock(replica: .random())
        let _: ReplicaRegistered = try await call("v1/replicas", ReplicaRegistration(replica: clock.replica))
    }

    /// Writes `field` of `state` (the current merged state) and pushes the change.
    mutating func change(_ state: RecordState, field: String, to value: FieldValue) async throws {
        var state = state
        state.write(field, value, clock: &clock, at: .now())
        let acknowledgement: PushAcknowledgement = try await call(
            "v1/sync/push", PushRequest(replica: clock.replica, records: [state.delta(fields: [field], existence: false)]))
        guard acknowledgement.refused.isEmpty else { throw BenchError("the editor's push was refused: \(acknowledgement.refused[0].message)") }
    }

    func call<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body) async throws -> Answer {
        let result = try await transport.send(
            HTTPRequestSpec(
                method: "POST", url: server.appendingPathComponent(path),
                headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                body: try WireFormat.encoder().encode(body)),
            progress: nil)
        guard (200..<300).contains(result.status) else {
            throw BenchError("\(path) answered \(result.status): \(String(decoding: result.body, as: UTF8.self))")
        }
        return try WireFormat.decoder().decode(Answer.self, from: result.body)
    }
}
