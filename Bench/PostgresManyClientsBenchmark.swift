import Foundation
import KAMProtocol
import KAMServer
import Logging

/// Benchmark 9: benchmark 5's clients against two `kam-server` processes on
/// one PostgreSQL database, beside benchmark 5's one process on SQLite and
/// the `/healthz` reference, in the same run.
enum PostgresManyClientsBenchmark {
    static func run(_ context: BenchContext, base: String, sqlite: ManyClientsBenchmark.Figures?) async throws -> BenchmarkReport {
        let scale = context.scale
        let quiet = PostgresScratch.logger
        var report = BenchmarkReport(
            number: 9, title: "Many clients on PostgreSQL, two processes",
            workload: "Benchmark 5's \(scale.clients) clients, spread evenly over two `kam-server` processes (release, `--database`, \(PostgresStore.defaultConnections) connections each) on one database of the local cluster, for \(scale.clientSeconds) s each phase. References, same run: the same clients calling `/healthz` on the two processes, and benchmark 5's one process on SQLite.")
        let database = try await PostgresScratch.create("clients", beside: base, logger: quiet)
        let store = try PostgresStore(url: try PostgresDatabaseURL(database), connections: 1, logger: quiet)
        let tokens = try await PostgresScratch.withClient(store.client) {
            try await store.migrate()
            let service = SyncService(storage: store, logger: quiet)
            var tokens: [String] = []
            for index in 0..<scale.clients { tokens.append(try await service.addUser(name: "rep\(index)", role: .rep)) }
            return tokens
        }
        let data = try context.folder("server-many-postgres")
        let servers = try (0..<2).map { _ in
            try ServerProcess(
                binary: context.binary("kam-server"), data: data, database: database,
                extra: ["--max-concurrent-syncs", String(max(scale.clients, 1))])
        }
        defer { for server in servers { server.stop() } }
        let (health, sync) = try await ManyClientsBenchmark.measure(servers: servers.map(\.url), tokens: tokens, seconds: scale.clientSeconds)
        let share = sync.rate / health.rate
        report.rows = [
            .init("requests per second", kam: Format.rate(sync.rate, "req"), reference: Format.rate(health.rate, "req /healthz"), ratio: Format.percent(share)),
            .init("latency p50", kam: Format.seconds(sync.latencies.median), reference: Format.seconds(health.latencies.median)),
            .init("latency p99", kam: Format.seconds(sync.latencies.quantile(0.99)), reference: Format.seconds(health.latencies.quantile(0.99))),
            .init("servers' peak RSS", kam: servers.map { Format.bytes($0.peakResidentBytes) }.joined(separator: " + ")),
        ]
        if let sqlite {
            let parity = sync.rate / sqlite.sync.rate
            report.rows += [
                .init("one process on SQLite (benchmark 5): requests per second", kam: Format.rate(sync.rate, "req"), reference: Format.rate(sqlite.sync.rate, "req"), ratio: Format.percent(parity)),
                .init("one process on SQLite (benchmark 5): latency p99", kam: Format.seconds(sync.latencies.quantile(0.99)), reference: Format.seconds(sqlite.sync.latencies.quantile(0.99))),
            ]
        }
        report.notes.append(
            "No goal is set on this 2-core machine: two server processes, PostgreSQL and the 200 clients share two cores, so a second process adds no CPU, only another pool of connections. On a machine with cores to spare each process serves pulls, authentication and the office from its own cores and its own connections, and reads scale with processes until the database's CPU is busy; pushes stay one at a time in the database (every write holds the feed's counter row), so push throughput is bounded by one commit after another, about what benchmark 8 shows, whatever the number of processes.")
        return report
    }
}
