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
    /// The most push and pull requests served at once; more are answered 429.
    public static let defaultMaximumConcurrentSyncs = 32
    /// The seconds a client refused as busy is told to wait (`Retry-After`).
    public static let defaultBusyRetryAfterSeconds = 2
    /// The most replicas (laptops) one user may have registered and not revoked.
    public static let defaultMaximumReplicasPerUser = 20

    public var host: String
    public var port: Int
    /// The folder holding the server's database.
    public var dataDirectory: URL
    public var maximumBodyBytes: Int
    public var maximumBatchRecords: Int
    /// Push and pull requests in flight beyond this are refused at once with
    /// 429 `busy` and `Retry-After`, instead of queueing without bound.
    public var maximumConcurrentSyncs: Int
    /// The `Retry-After` of a 429 `busy` answer, in seconds.
    public var busyRetryAfterSeconds: Int
    /// Registering more replicas than this (revoked ones not counted) is refused.
    public var maximumReplicasPerUser: Int
    /// When set, `GET /metrics` needs `Authorization: Bearer` with this token.
    public var metricsToken: String?

    public init(
        host: String = defaultHost, port: Int = defaultPort, dataDirectory: URL,
        maximumBodyBytes: Int = defaultMaximumBodyBytes, maximumBatchRecords: Int = defaultMaximumBatchRecords,
        maximumConcurrentSyncs: Int = defaultMaximumConcurrentSyncs, busyRetryAfterSeconds: Int = defaultBusyRetryAfterSeconds,
        maximumReplicasPerUser: Int = defaultMaximumReplicasPerUser, metricsToken: String? = nil
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumBatchRecords = maximumBatchRecords
        self.maximumConcurrentSyncs = maximumConcurrentSyncs
        self.busyRetryAfterSeconds = busyRetryAfterSeconds
        self.maximumReplicasPerUser = maximumReplicasPerUser
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
