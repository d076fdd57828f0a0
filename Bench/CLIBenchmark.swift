import Foundation
import KAMClient
import KAMProtocol

/// Benchmark 6: `kam account list --stage strategic` as a whole process,
/// beside the same query in the sqlite3 tool.
enum CLIBenchmark {
    /// The statement `kam account list --stage strategic` runs (see `Replica.accounts`).
    static let query = """
        SELECT a.id, a.status = 1, a.name, a.industry, a.region, a.owner, a.tier, a.stage, a.share, a.flags, \
        EXISTS (SELECT 1 FROM records c WHERE c.account_id = a.id AND c.id != a.id AND c.status = 1) AS child_conflicts \
        FROM records a WHERE a.kind = \(RecordKind.account.storedCode) AND a.status <= 1 AND a.stage = 'strategic' ORDER BY a.name, a.id;
        """

    static func run(_ context: BenchContext, largeHome: URL) throws -> BenchmarkReport {
        let scale = context.scale
        var report = BenchmarkReport(
            number: 6, title: "CLI",
            workload: "`kam account list --stage strategic` on the bootstrapped replica of \(Format.count(scale.largeTerritory)) accounts, as a whole process with its table written to /dev/null; \(scale.repetitions) runs after one warm-up, median. Reference: the same SQL statement in the `sqlite3` command-line tool on the same file, run the same way; with `--json`, beside `sqlite3 -json`.")
        let kam = context.binary("kam")
        let arguments = ["account", "list", "--stage", "strategic", "--home", largeHome.path]
        let rows = try runChecked(kam, arguments).split(separator: "\n").count - 1
        let kamTimes = try (0..<scale.repetitions).map { _ in try Stopwatch.time { try runChecked(kam, arguments, keepOutput: false) } }
        let kamJSONTimes = try (0..<scale.repetitions).map { _ in try Stopwatch.time { try runChecked(kam, arguments + ["--json"], keepOutput: false) } }
        let kamMedian = Sample(kamTimes).median
        let kamJSONMedian = Sample(kamJSONTimes).median
        report.rows = [
            .init("accounts listed", kam: Format.count(rows)),
            .init("time", kam: Format.seconds(kamMedian), reference: "", ratio: ""),
            .init("time with --json", kam: Format.seconds(kamJSONMedian), reference: "", ratio: ""),
        ]
        guard let sqlite3 = context.sqlite3 else {
            report.goal("at most 1.5× the sqlite3 time", measured: "sqlite3 not installed", met: false, judged: false)
            return report
        }
        let database = ReplicaHome(url: largeHome).databaseURL.path
        try runChecked(sqlite3, [database, query], keepOutput: false)
        let sqliteTimes = try (0..<scale.repetitions).map { _ in try Stopwatch.time { try runChecked(sqlite3, [database, query], keepOutput: false) } }
        let sqliteJSONTimes = try (0..<scale.repetitions).map { _ in
            try Stopwatch.time { try runChecked(sqlite3, ["-json", database, query], keepOutput: false) }
        }
        let sqliteMedian = Sample(sqliteTimes).median
        let sqliteJSONMedian = Sample(sqliteJSONTimes).median
        let ratio = kamMedian / sqliteMedian
        let jsonRatio = kamJSONMedian / sqliteJSONMedian
        report.rows[1] = .init("time (median)", kam: Format.seconds(kamMedian), reference: Format.seconds(sqliteMedian), ratio: Format.ratio(ratio))
        report.rows[2] = .init(
            "time with --json (median; sqlite3 -json)", kam: Format.seconds(kamJSONMedian), reference: Format.seconds(sqliteJSONMedian),
            ratio: Format.ratio(jsonRatio))
        report.rows.append(.init("range", kam: Sample(kamTimes).spread, reference: Sample(sqliteTimes).spread))
        report.goal("at most 1.5× the sqlite3 time", measured: Format.ratio(ratio), met: ratio <= 1.5, judged: scale.judged)
        report.goal("--json at most 1.5× sqlite3 -json", measured: Format.ratio(jsonRatio), met: jsonRatio <= 1.5, judged: scale.judged)
        return report
    }
}
