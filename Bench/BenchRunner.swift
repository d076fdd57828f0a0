import Foundation

/// Runs the seven benchmarks in order; later ones reuse the data earlier ones built.
public enum BenchRunner {
    public static func run(_ context: BenchContext) async throws -> [BenchmarkReport] {
        var reports: [BenchmarkReport] = []
        let log = context.logger
        log.info("1/7 server merge throughput")
        let (merge, seeded) = try await ServerMergeBenchmark.run(context)
        reports.append(merge)
        log.info("2/7 merge engine")
        reports.append(try await MergeEngineBenchmark.run(context))

        let server = try ServerProcess(binary: context.binary("kam-server"), data: seeded.data)
        defer { server.stop() }
        log.info("3/7 bootstrap")
        let (bootstrap, largeHome) = try await BootstrapBenchmark.run(context, server: server, seeded: seeded)
        reports.append(bootstrap)
        log.info("4/7 incremental sync")
        reports.append(try await IncrementalSyncBenchmark.run(context, server: server, seeded: seeded, largeHome: largeHome))
        server.stop()

        log.info("5/7 many clients")
        reports.append(try await ManyClientsBenchmark.run(context))
        log.info("6/7 CLI")
        reports.append(try CLIBenchmark.run(context, largeHome: largeHome))
        log.info("7/7 sync metadata")
        reports.append(try MetadataBenchmark.run(context, largeHome: largeHome))
        return reports
    }
}
