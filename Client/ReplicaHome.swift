import Foundation

/// The folder of a local replica: its SQLite file and settings.
public struct ReplicaHome: Sendable, Hashable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// The home: `explicit` (`--home`) if given, else `$KAM_HOME`, else
    /// `$XDG_DATA_HOME/kam`, else `~/.local/share/kam`.
    public static func resolve(explicit: String?, environment: [String: String]) -> ReplicaHome {
        if let explicit, !explicit.isEmpty { return ReplicaHome(url: URL(fileURLWithPath: explicit)) }
        if let path = environment["KAM_HOME"], !path.isEmpty { return ReplicaHome(url: URL(fileURLWithPath: path)) }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return ReplicaHome(url: URL(fileURLWithPath: xdg).appendingPathComponent("kam"))
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return ReplicaHome(url: URL(fileURLWithPath: home).appendingPathComponent(".local/share/kam"))
    }

    /// The replica's database file.
    public var databaseURL: URL { url.appendingPathComponent("replica.sqlite") }
}
