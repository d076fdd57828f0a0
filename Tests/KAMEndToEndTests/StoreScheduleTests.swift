import Foundation
import Testing

/// Random schedules over the real replica and server stores (SQLite in
/// memory). Every schedule must converge and lose no write.
/// `KAM_STORE_SEED=N` replays one schedule; `KAM_STORE_SCHEDULES=N` runs more
/// (default 300; the protocol-level checker runs 10,000).
@Suite("Store schedules")
struct StoreScheduleTests {
    @Test("random schedules over the real stores, with lost acknowledgements, lost pages and duplicates, converge and lose nothing")
    func schedules() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seeds: [UInt64]
        if let replay = environment["KAM_STORE_SEED"].flatMap(UInt64.init) {
            seeds = [replay]
        } else {
            let count = environment["KAM_STORE_SCHEDULES"].flatMap(Int.init) ?? 300
            var source = SystemRandomNumberGenerator()
            seeds = (0..<count).map { _ in source.next() }
        }
        let workers = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let results = try await withThrowingTaskGroup(of: [(UInt64, [String], Int)].self) { group in
            for worker in 0..<workers {
                let mine = Array(seeds.enumerated().filter { $0.offset % workers == worker }.map(\.element))
                group.addTask {
                    var out: [(UInt64, [String], Int)] = []
                    for seed in mine {
                        var schedule = try await Schedule(seed: seed)
                        try await schedule.run(steps: 40)
                        out.append((seed, schedule.failures, schedule.stats.conflicts + schedule.stats.lostAcks))
                        if !schedule.failures.isEmpty { break }
                    }
                    return out
                }
            }
            var all: [(UInt64, [String], Int)] = []
            for try await part in group { all += part }
            return all
        }
        for (seed, failures, _) in results where !failures.isEmpty {
            Issue.record("schedule \(seed) failed: \(failures.prefix(5).joined(separator: "; ")). Replay with KAM_STORE_SEED=\(seed) swift test --filter StoreScheduleTests")
        }
        if results.allSatisfy({ $0.1.isEmpty }) { #expect(results.count == seeds.count) }
        if seeds.count >= 100 { #expect(results.reduce(0) { $0 + $1.2 } > 0) }
    }
}
