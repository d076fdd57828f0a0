import ArgumentParser
import Foundation
import KAMBench
import Logging

@main
struct KamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kam-bench",
        abstract: "Measure kam against references taken in the same run, and write BENCHMARKS.md.",
        discussion: "Run it through 'make bench', which builds the release binaries and the Rust reference peer first.")

    @Flag(help: "Tiny workloads that only check the benchmarks still run; nothing is judged.")
    var smoke = false

    @Option(help: "The folder holding the kam and kam-server binaries to measure.")
    var binaries = ".build/release"

    @Option(help: "A scratch folder for the benchmarks' data (emptied first).")
    var workDir = ".build/bench"

    @Option(help: "The Rust crdts peer's binary (rcrdts), when it was built.")
    var rustPeer: String?

    @Option(help: "Where to write the Markdown report (nothing is written without it).")
    var output: String?

    @Option(help: "A Markdown file of profile findings to append to the report.")
    var findings: String?

    @Option(name: .customLong("only"), parsing: .upToNextOption, help: "Run only these benchmarks (1-9), for profiling; what they need runs too.")
    var only: [Int] = []

    @Flag(help: "Keep the scratch folder (servers' data, replicas) for profiling afterwards.")
    var keepWork = false

    @Option(help: "A PostgreSQL database (postgres://USER@HOST:PORT/DB) for the PostgreSQL benchmarks (default: $KAM_TEST_POSTGRES_URL, set by scripts/with-postgres.sh); they are left out without one.")
    var postgres: String?

    @Option(help: "The Swift version line for the report's header.")
    var swiftVersion = "Swift"

    func validate() throws {
        for name in ["kam", "kam-server"] {
            let path = URL(fileURLWithPath: binaries).appendingPathComponent(name).path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ValidationError("\(path) is missing: build it first ('make bench' does), or point --binaries at the folder holding it")
            }
        }
        if let wrong = only.first(where: { !BenchRunner.all.contains($0) }) {
            throw ValidationError("there is no benchmark \(wrong): use numbers 1 to 9")
        }
        if let rustPeer, !FileManager.default.isExecutableFile(atPath: rustPeer) {
            throw ValidationError("\(rustPeer) is not an executable: build the peer with 'make bench' or leave --rust-peer out")
        }
    }

    func run() async throws {
        var logger = Logger(label: "kam.bench")
        logger.logLevel = .info
        let work = URL(fileURLWithPath: workDir)
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let sqlite3 = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let context = BenchContext(
            scale: smoke ? .smoke : .full, binaries: URL(fileURLWithPath: binaries), workDirectory: work,
            rustPeer: rustPeer.map { URL(fileURLWithPath: $0) }, sqlite3: sqlite3.map { URL(fileURLWithPath: $0) },
            postgres: postgres ?? ProcessInfo.processInfo.environment["KAM_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 },
            logger: logger)
        let reports = try await BenchRunner.run(context, selected: only.isEmpty ? BenchRunner.all : Set(only))
        print(ReportWriter.table(reports))
        if let output {
            let findingsText = try findings.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? ""
            let markdown = ReportWriter.markdown(
                reports, machine: .current(swiftVersion: swiftVersion), command: smoke ? "make bench-smoke" : "make bench", findings: findingsText)
            try markdown.write(toFile: output, atomically: true, encoding: .utf8)
            print("wrote \(output)")
        }
        if !keepWork { try? FileManager.default.removeItem(at: work) }
    }
}
