import Foundation
import KAMServer
import KAMServerTestSupport
import Testing

/// Random schedules over the real replica and server stores, with managers
/// and reps, reassignments and the refusals they bring: one server on SQLite
/// in memory, and, when the run has a PostgreSQL cluster, two server
/// processes on one PostgreSQL database taking requests in turn. Every
/// schedule must converge and lose no accepted write.
/// `KAM_STORE_SEED=N` replays one schedule; `KAM_STORE_SCHEDULES=N` runs more
/// (default 300 on SQLite, 100 on PostgreSQL; the protocol-level checker runs 10,000).
@Suite("Store schedules")
struct StoreScheduleTests {
    /// The servers a schedule runs against.
    struct Servers: CustomTestStringConvertible, Sendable {
        let name: String
        let schedules: Int
        let make: @Sendable () async throws -> [any SyncStorage]
        var testDescription: String { name }

        static let sqlite = Servers(name: "one process on SQLite", schedules: 300) { [try SQLiteStore.inMemory()] }
        static let postgres = Servers(name: "two processes on PostgreSQL", schedules: 100) {
            try await TestDatabases.postgresStores(count: 2)
        }
        static let all = TestDatabases.postgresURL == nil ? [sqlite] : [sqlite, postgres]
    }

    @Test("random schedules over the real stores, with reps, reassignments, moves, refusals, lost acknowledgements, lost pages and duplicates, converge, lose nothing and leave every laptop exactly what it may see", arguments: Servers.all)
    func schedules(_ servers: Servers) async throws {
        let environment = ProcessInfo.processInfo.environment
        let seeds: [UInt64]
        if let replay = environment["KAM_STORE_SEED"].flatMap(UInt64.init) {
            seeds = [replay]
        } else {
            let count = environment["KAM_STORE_SCHEDULES"].flatMap(Int.init) ?? servers.schedules
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
                        var schedule = try await Schedule(seed: seed, storages: try await servers.make())
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
