import Foundation

/// Where and how `kam-server` runs.
public struct ServerConfiguration: Sendable, Hashable {
    /// The default listening address: loopback only.
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080

    /// The largest request body accepted (after gzip is undone): 16 MiB.
    public static let defaultMaximumBodyBytes = 16 * 1024 * 1024
    /// The most record states one push may carry.
    public static let defaultMaximumBatchRecords = 5_000

    public var host: String
    public var port: Int
    /// The folder holding the server's database.
    public var dataDirectory: URL
    public var maximumBodyBytes: Int
    public var maximumBatchRecords: Int
    /// When set, `GET /metrics` needs `Authorization: Bearer` with this token.
    public var metricsToken: String?

    public init(
        host: String = defaultHost, port: Int = defaultPort, dataDirectory: URL,
        maximumBodyBytes: Int = defaultMaximumBodyBytes, maximumBatchRecords: Int = defaultMaximumBatchRecords,
        metricsToken: String? = nil
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumBatchRecords = maximumBatchRecords
        self.metricsToken = metricsToken
    }

    /// The data folder: `explicit` if given, else `$KAM_SERVER_DATA`, else
    /// `$XDG_DATA_HOME/kam-server`, else `~/.local/share/kam-server`.
    public static func dataDirectory(explicit: String?, environment: [String: String]) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let path = environment["KAM_SERVER_DATA"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return dataHome(environment).appendingPathComponent("kam-server")
    }
}

/// `$XDG_DATA_HOME`, or `~/.local/share` when it is unset or not absolute.
func dataHome(_ environment: [String: String]) -> URL {
    if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return URL(fileURLWithPath: xdg) }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return URL(fileURLWithPath: home).appendingPathComponent(".local/share")
}
