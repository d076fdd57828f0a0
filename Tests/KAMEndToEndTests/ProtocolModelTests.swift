import Foundation
import Testing

/// The protocol-level model checker: at least 5 replicas and the server's
/// merge, random edits, deletes and resolves, random sync orders with lost
/// acknowledgements, lost pages and duplicates. 10,000 schedules a run;
/// `KAM_MC_SCHEDULES=N` runs more, `KAM_MC_SEED=N` replays one.
@Suite("Model checker")
struct ProtocolModelTests {
    @Test("every schedule converges and loses no write")
    func schedules() {
        let environment = ProcessInfo.processInfo.environment
        let seeds: [UInt64]
        if let replay = environment["KAM_MC_SEED"].flatMap(UInt64.init) {
            seeds = [replay]
        } else {
            var source = SystemRandomNumberGenerator()
            seeds = (0..<(environment["KAM_MC_SCHEDULES"].flatMap(Int.init) ?? 10_000)).map { _ in source.next() }
        }
        var conflicts = 0
        var ran = 0
        for seed in seeds {
            var model = ProtocolModel(seed: seed, replicas: 5 + Int(seed % 3))
            model.run(steps: 60)
            ran += 1
            conflicts += model.conflictsSeen
            if !model.failures.isEmpty {
                Issue.record("schedule \(seed) failed: \(model.failures.prefix(5).joined(separator: "; ")). Replay with KAM_MC_SEED=\(seed) swift test --filter ProtocolModelTests")
                break
            }
        }
        #expect(ran == seeds.count)
        if seeds.count >= 100 { #expect(conflicts > 0) }
    }
}
