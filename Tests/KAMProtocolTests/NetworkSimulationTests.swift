import Foundation
import KAMProtocol
import Testing

/// Replicas that edit offline and exchange states over a bad network end up
/// equal, and no write is lost. `KAM_SIM_SEED=N` replays one run;
/// `KAM_SIM_RUNS=N` runs more (or fewer) than the default.
@Suite("Simulated network")
struct NetworkSimulationTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    @Test("5 to 7 replicas converge and lose nothing")
    func replicasConverge() {
        let seeds: [UInt64]
        if let replay = Self.environment["KAM_SIM_SEED"].flatMap(UInt64.init) {
            seeds = [replay]
        } else {
            let runs = Self.environment["KAM_SIM_RUNS"].flatMap(Int.init) ?? 300
            var source = SystemRandomNumberGenerator()
            seeds = (0..<runs).map { _ in source.next() }
        }
        var totals = NetworkSimulation.Outcome()
        for seed in seeds {
            let replicas = 5 + Int(seed % 3)
            var simulation = NetworkSimulation(seed: seed, replicas: replicas)
            let outcome = simulation.run()
            for failure in outcome.failures {
                Issue.record("seed \(seed) (\(replicas) replicas): \(failure). Replay with KAM_SIM_SEED=\(seed) swift test --filter NetworkSimulationTests")
            }
            if !outcome.failures.isEmpty { break }
            totals.conflictsSeen += outcome.conflictsSeen
            totals.deleteConflictsSeen += outcome.deleteConflictsSeen
            totals.resolves += outcome.resolves
            totals.deliveries += outcome.deliveries
            totals.duplicatesDelivered += outcome.duplicatesDelivered
        }
        // The runs must have exercised what they claim to test.
        if seeds.count >= 50 {
            #expect(totals.conflictsSeen > 0)
            #expect(totals.resolves > 0)
            #expect(totals.deleteConflictsSeen > 0)
            #expect(totals.duplicatesDelivered > 0)
        }
    }

    @Test("the same seed replays the same run")
    func seedReplays() {
        var first = NetworkSimulation(seed: 42)
        var second = NetworkSimulation(seed: 42)
        let a = first.run()
        let b = second.run()
        #expect(a.failures.isEmpty)
        #expect(a.deliveries == b.deliveries && a.conflictsSeen == b.conflictsSeen && a.resolves == b.resolves)
    }
}
