import CompressNIO
import Foundation
import KAMProtocol
import NIOCore

/// Benchmark 2: the merge in process, against the Rust `crdts` peer on the
/// same workload (`../shared/peers/rust-crdts-mvreg`).
enum MergeEngineBenchmark {
    struct Update {
        var record: RecordID
        var field: String
        var value: FieldValue
    }

    struct Run {
        var applySeconds: Double
        var mergeSeconds: Double
        var mergedBytes: Int
        var mergedGzipBytes: Int
        var mergedJSONBytes: Int
        var exchangedBytes: Int
        var keys: Int
        var total: Double { applySeconds + mergeSeconds }
    }

    static func run(_ context: BenchContext) async throws -> BenchmarkReport {
        let scale = context.scale
        let updates = scale.mergeUpdates
        var report = BenchmarkReport(
            number: 2, title: "Merge engine",
            workload: "\(Format.count(updates)) single-field updates, half on each of two replicas, on keys `r{0..\(scale.mergeRecords - 1)}:f{0..9}` (the peer's xorshift64* sequence, so the same keys in the same order), one write per update; then each replica's whole state is encoded as the binary pull page a server sends a laptop, decoded by the other and joined both ways, and the two are checked equal. kam and the peer take turns for three rounds (kam 3 runs a round, the peer its own median of 3); each side's median is reported. Reference: the Rust `crdts` 7.2.0 `Map<String, MVReg>` peer (bincode state exchange), built and run in the same `make bench`.")
        let a = workload(seed: 1, count: updates, records: scale.mergeRecords)
        let b = workload(seed: 2, count: updates, records: scale.mergeRecords)
        // kam and the peer take turns, three rounds, so a slow spell of the
        // machine falls on both; each side reports the median of its runs.
        var runs: [Run] = []
        var peerRuns: [PeerRun] = []
        for _ in 0..<3 {
            for _ in 0..<3 { runs.append(try once(a, b)) }
            if let binary = context.rustPeer { peerRuns.append(try rustPeer(binary, updates: updates)) }
        }
        runs.sort { $0.total < $1.total }
        let median = runs[runs.count / 2]
        let opsPerSecond = Double(updates) / median.total
        context.logger.info("merge engine", metadata: ["ops_per_s": "\(Int(opsPerSecond))", "merged_bytes": "\(median.mergedBytes)"])
        peerRuns.sort { $0.opsPerSecond < $1.opsPerSecond }
        let peer = peerRuns.isEmpty ? nil : peerRuns[peerRuns.count / 2]
        report.rows = [
            .init("distinct keys after merge", kam: Format.count(median.keys), reference: peer.map { Format.count($0.keys) } ?? "not run"),
            .init("apply (\(Format.count(updates)) writes)", kam: Format.seconds(median.applySeconds), reference: peer.map { Format.seconds($0.applySeconds) } ?? ""),
            .init("exchange and merge", kam: Format.seconds(median.mergeSeconds), reference: peer.map { Format.seconds($0.mergeSeconds) } ?? ""),
            .init("total ops/s", kam: Format.rate(opsPerSecond, "ops"), reference: peer.map { Format.rate($0.opsPerSecond, "ops") } ?? "",
                  ratio: peer.map { Format.ratio(opsPerSecond / $0.opsPerSecond) } ?? ""),
            .init("merged state", kam: Format.bytes(Int64(median.mergedBytes)), reference: peer.map { Format.bytes(Int64($0.mergedBytes)) } ?? "",
                  ratio: peer.map { Format.ratio(Double(median.mergedBytes) / Double($0.mergedBytes)) } ?? ""),
            .init("merged state as JSON (the push format)", kam: Format.bytes(Int64(median.mergedJSONBytes))),
            .init("merged state, gzip (as sent)", kam: Format.bytes(Int64(median.mergedGzipBytes)), reference: peer.map { Format.bytes(Int64($0.mergedBytes)) + " (no compression)" } ?? "",
                  ratio: peer.map { Format.ratio(Double(median.mergedGzipBytes) / Double($0.mergedBytes)) } ?? ""),
        ]
        if let peer {
            report.goal("at least 1.5× the peer's ops/s", measured: Format.ratio(opsPerSecond / peer.opsPerSecond), met: opsPerSecond >= 1.5 * peer.opsPerSecond, judged: scale.judged)
            report.goal("smaller merged state than the peer", measured: Format.ratio(Double(median.mergedBytes) / Double(peer.mergedBytes)),
                        met: median.mergedBytes < peer.mergedBytes, judged: scale.judged)
        } else {
            report.goal("faster and smaller than the peer", measured: "peer not built (cargo or Debian's crates missing)", met: false, judged: false)
        }
        return report
    }

    /// The peer's workload: `count / 2` updates from its xorshift64* sequence for `seed`.
    static func workload(seed: UInt64, count: Int, records: Int) -> [Update] {
        var state = (seed &* 0x9E37_79B9_7F4A_7C15) | 1
        func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        let ids = (0..<records).map { RecordID(rawValue: "r\($0)")! }
        let fields = (0..<10).map { "f\($0)" }
        return (0..<count / 2).map { index in
            let record = ids[Int(next() % UInt64(records))]
            let field = fields[Int(next() % 10)]
            return Update(record: record, field: field, value: .text("v\(seed)-\(index)"))
        }
    }

    static func once(_ a: [Update], _ b: [Update]) throws -> Run {
        var left: [RecordID: RecordState] = [:]
        var right: [RecordID: RecordState] = [:]
        let applySeconds = Stopwatch.time {
            for (updates, replica) in [(a, "replica-a"), (b, "replica-b")] {
                var clock = DotClock(replica: ReplicaID(rawValue: replica)!)
                var states: [RecordID: RecordState] = [:]
                for (index, update) in updates.enumerated() {
                    states[update.record, default: RecordState(kind: .account, id: update.record)]
                        .write(update.field, update.value, clock: &clock, at: Timestamp(rawValue: 1_763_900_000_000 + Int64(index)))
                }
                if replica == "replica-a" { left = states } else { right = states }
            }
        }
        var exchanged = 0
        func page(_ states: [RecordID: RecordState]) -> Data {
            PullPage(records: Array(states.values), authors: [:], cursor: 0, hasMore: false).binaryEncoded()
        }
        let mergeSeconds = try Stopwatch.time {
            let fromLeft = page(left)
            let fromRight = page(right)
            exchanged = fromLeft.count + fromRight.count
            let intoRight = try PullPage(binary: fromLeft).records
            let intoLeft = try PullPage(binary: fromRight).records
            for state in intoLeft { left[state.id] = left[state.id].map { $0.joined(with: state) } ?? state }
            for state in intoRight { right[state.id] = right[state.id].map { $0.joined(with: state) } ?? state }
        }
        guard left == right else { throw BenchError("the two replicas did not converge") }
        let merged = page(left)
        var buffer = ByteBuffer(bytes: merged)
        let compressed = try buffer.compress(with: .gzip())
        return Run(
            applySeconds: applySeconds, mergeSeconds: mergeSeconds, mergedBytes: merged.count,
            mergedGzipBytes: compressed.readableBytes, mergedJSONBytes: try WireFormat.encoder().encode(Array(left.values)).count,
            exchangedBytes: exchanged, keys: left.values.reduce(0) { $0 + $1.fields.count })
    }

    struct PeerRun: Decodable {
        var applySeconds: Double
        var mergeSeconds: Double
        var opsPerSecond: Double
        var mergedBytes: Int
        var keys: Int

        enum CodingKeys: String, CodingKey {
            case applySeconds = "apply_s", mergeSeconds = "merge_s", opsPerSecond = "total_ops_per_s_median"
            case mergedBytes = "merged_state_bytes", keys = "distinct_keys"
        }
    }

    static func rustPeer(_ binary: URL, updates: Int) throws -> PeerRun {
        let output = try runChecked(binary, [String(updates)])
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
            throw BenchError("the Rust peer printed no JSON line: \(output)")
        }
        return try JSONDecoder().decode(PeerRun.self, from: Data(line.utf8))
    }
}
