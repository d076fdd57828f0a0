import Foundation
import Testing

/// Random schedules over the real replica and server stores (SQLite in
/// memory), with managers and reps, reassignments and the refusals they
/// bring. Every schedule must converge and lose no accepted write.
/// `KAM_STORE_SEED=N` replays one schedule; `KAM_STORE_SCHEDULES=N` runs more
/// (default 300; the protocol-level checker runs 10,000).
@Suite("Store schedules")
struct StoreScheduleTests {
    @Test("random schedules over the real stores, with reps, reassignments, moves, refusals, lost acknowledgements, lost pages and duplicates, converge, lose nothing and leave every laptop exactly what it may see")
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
        let results = try await withThrowingTaskGroup(of: [(UInt64, [String], Tally)].self) { group in
            for worker in 0..<workers {
                let mine = Array(seeds.enumerated().filter { $0.offset % workers == worker }.map(\.element))
                group.addTask {
                    var out: [(UInt64, [String], Tally)] = []
                    for seed in mine {
                        var schedule = try await Schedule(seed: seed)
                        try await schedule.run(steps: 60)
                        let stats = schedule.stats
                        out.append((seed, schedule.failures, Tally(
                            conflicts: stats.conflicts, lostAcks: stats.lostAcks, refusals: stats.refusals,
                            reassignments: stats.reassignments, moves: stats.moves, removals: stats.removals)))
                        if !schedule.failures.isEmpty { break }
                    }
                    return out
                }
            }
            var all: [(UInt64, [String], Tally)] = []
            for try await part in group { all += part }
            return all
        }
        for (seed, failures, _) in results where !failures.isEmpty {
            Issue.record("schedule \(seed) failed: \(failures.prefix(5).joined(separator: "; ")). Replay with KAM_STORE_SEED=\(seed) swift test --filter StoreScheduleTests")
        }
        if results.allSatisfy({ $0.1.isEmpty }) { #expect(results.count == seeds.count) }
        // Over many schedules, every kind of trouble happened.
        if seeds.count >= 100 {
            let total = results.reduce(Tally()) { $0 + $1.2 }
            print("store schedules: \(total)")
            #expect(
                total.conflicts > 0 && total.lostAcks > 0 && total.refusals > 0 && total.reassignments > 0 && total.moves > 0
                    && total.removals > 0, "\(total)")
        }
    }

    struct Tally: Sendable {
        var conflicts = 0, lostAcks = 0, refusals = 0, reassignments = 0, moves = 0, removals = 0

        static func + (a: Tally, b: Tally) -> Tally {
            Tally(conflicts: a.conflicts + b.conflicts, lostAcks: a.lostAcks + b.lostAcks,
                  refusals: a.refusals + b.refusals, reassignments: a.reassignments + b.reassignments,
                  moves: a.moves + b.moves, removals: a.removals + b.removals)
        }
    }
}
