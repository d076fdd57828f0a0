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

    /// The replica's files: the database and SQLite's write-ahead log and shared memory beside it.
    public var databaseFiles: [URL] {
        ["", "-wal", "-shm"].map { URL(fileURLWithPath: databaseURL.path + $0) }
    }

    /// Creates the home folder readable by its owner only (0700) and an empty
    /// database file readable by its owner only (0600). SQLite gives its -wal
    /// and -shm files the mode of the database file, so they are private too.
    /// The replica holds the bearer token and the customers' data.
    func createPrivately() throws {
        let manager = FileManager.default
        // A folder that is already there (given with --home) keeps its mode; the files below are private anyway.
        if !manager.fileExists(atPath: url.path) {
            try manager.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        }
        let descriptor = open(databaseURL.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: databaseURL.path]) }
        close(descriptor)
        restrictDatabaseFiles()
    }

    /// Takes group and other access off the database files that exist (best effort).
    func restrictDatabaseFiles() {
        for file in databaseFiles {
            var info = stat()
            guard stat(file.path, &info) == 0, info.st_mode & 0o077 != 0 else { continue }
            _ = chmod(file.path, info.st_mode & 0o700)
        }
    }
}
