import Foundation

/// The built `kam` binary in a fresh home of its own, run as a user would.
struct KamProcess {
    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    let home = FileManager.default.temporaryDirectory.appendingPathComponent("kam-cli-\(UUID().uuidString)")

    init() throws {}

    func remove() { try? FileManager.default.removeItem(at: home) }

    /// Runs `kam ARGUMENTS --home HOME` with `NO_COLOR` set and no `KAM_HOME`.
    @discardableResult
    func run(_ arguments: [String]) throws -> Result {
        let (status, out, err) = try runProcess(Binaries.url("kam"), arguments + ["--home", home.path], environment: ["KAM_HOME": ""])
        return Result(status: status, out: out, err: err)
    }
}
