import Foundation
import Logging

/// What every benchmark needs: the scale, the built binaries, a scratch
/// folder and a logger for progress.
public struct BenchContext: Sendable {
    public var scale: BenchScale
    /// The folder holding the `kam` and `kam-server` binaries to measure.
    public var binaries: URL
    /// A scratch folder; the benchmarks create their data below it.
    public var workDirectory: URL
    /// The reference peer's binary (`rcrdts`), when it was built.
    public var rustPeer: URL?
    /// The `sqlite3` command-line tool, when installed.
    public var sqlite3: URL?
    /// A PostgreSQL database the PostgreSQL benchmarks create their scratch databases beside, when given.
    public var postgres: String?
    public var logger: Logger

    public init(
        scale: BenchScale, binaries: URL, workDirectory: URL, rustPeer: URL?, sqlite3: URL?, postgres: String? = nil, logger: Logger
    ) {
        self.scale = scale
        self.binaries = binaries
        self.workDirectory = workDirectory
        self.rustPeer = rustPeer
        self.sqlite3 = sqlite3
        self.postgres = postgres
        self.logger = logger
    }

    func binary(_ name: String) -> URL { binaries.appendingPathComponent(name) }

    func folder(_ name: String) throws -> URL {
        let url = workDirectory.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Something a benchmark needed and did not get.
public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
