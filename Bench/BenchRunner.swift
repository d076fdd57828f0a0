import Foundation

/// Runs the benchmarks in order; later ones reuse the data earlier ones built.
public enum BenchRunner {
    /// Every benchmark's number.
    public static let all: Set<Int> = Set(1...9)

    /// Runs the benchmarks in `selected` (and what they need: 3, 4, 6 and 7 need 1's
    /// server data, and 4, 6 and 7 need 3's replica) and reports the selected ones.
    public static func run(_ context: BenchContext, selected: Set<Int> = all) async throws -> [BenchmarkReport] {
        var reports: [BenchmarkReport] = []
        let log = context.logger
        let needsSeed = !selected.isDisjoint(with: [1, 3, 4, 6, 7])
        let needsBootstrap = !selected.isDisjoint(with: [3, 4, 6, 7])
        var seeded: SeededServer?
        if needsSeed {
            log.info("1/9 server merge throughput")
            let (merge, data) = try await ServerMergeBenchmark.run(context)
            seeded = data
            if selected.contains(1) { reports.append(merge) }
        }
        if selected.contains(2) {
            log.info("2/9 merge engine")
            reports.append(try await MergeEngineBenchmark.run(context))
        }
        var largeHome: URL?
        if needsBootstrap, let seeded {
            let server = try ServerProcess(binary: context.binary("kam-server"), data: seeded.data)
            defer { server.stop() }
            log.info("3/9 bootstrap")
            let (bootstrap, home) = try await BootstrapBenchmark.run(context, server: server, seeded: seeded)
            largeHome = home
            if selected.contains(3) { reports.append(bootstrap) }
            if selected.contains(4) {
                log.info("4/9 incremental sync")
                reports.append(try await IncrementalSyncBenchmark.run(context, server: server, seeded: seeded, largeHome: home))
            }
        }
        var sqliteClients: ManyClientsBenchmark.Figures?
        if selected.contains(5) {
            log.info("5/9 many clients")
            let (report, figures) = try await ManyClientsBenchmark.run(context)
            reports.append(report)
            sqliteClients = figures
        }
        if let largeHome, selected.contains(6) {
            log.info("6/9 CLI")
            reports.append(try CLIBenchmark.run(context, largeHome: largeHome))
        }
        if let largeHome, selected.contains(7) {
            log.info("7/9 sync metadata")
            reports.append(try MetadataBenchmark.run(context, largeHome: largeHome))
        }
        if !selected.isDisjoint(with: [8, 9]) && context.postgres == nil {
            log.warning("no PostgreSQL given (--postgres, or run through scripts/with-postgres.sh): benchmarks 8 and 9 are left out")
        }
        if let base = context.postgres, selected.contains(8) {
            log.info("8/9 server merge on PostgreSQL")
            reports.append(try await PostgresMergeBenchmark.run(context, base: base))
        }
        if let base = context.postgres, selected.contains(9) {
            log.info("9/9 many clients on PostgreSQL, two processes")
            reports.append(try await PostgresManyClientsBenchmark.run(context, base: base, sqlite: sqliteClients))
        }
        return reports
    }
}
