import Foundation
import KAMClient
import KAMProtocol
import Testing

/// The replica holds the bearer token and the customers' data: its files are its owner's only.
@Suite("Replica file modes")
struct ReplicaFileModeTests {
    static func temporaryHome() -> ReplicaHome {
        ReplicaHome(url: FileManager.default.temporaryDirectory.appendingPathComponent("kam-trust-\(UUID().uuidString)/home"))
    }

    static func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("the home folder is created 0700 and the database with its -wal and -shm 0600")
    func fileModes() throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home.url.deletingLastPathComponent()) }
        let settings = ReplicaSettings(replica: .random(), server: URL(string: "http://127.0.0.1:9")!, token: "kam_secret")
        let store = try ReplicaStore.create(home: home, settings: settings)
        try Replica(store: store, author: "li").addAccount(Account(name: "ACME"))
        #expect(try Self.mode(home.url) == 0o700)
        for file in home.databaseFiles {
            #expect(FileManager.default.fileExists(atPath: file.path), "\(file.lastPathComponent)")
            #expect(try Self.mode(file) == 0o600, "\(file.lastPathComponent)")
        }
    }

    @Test("opening a replica made with looser modes takes group and other access off its files")
    func looseModesTightened() throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home.url.deletingLastPathComponent()) }
        let settings = ReplicaSettings(replica: .random(), server: URL(string: "http://127.0.0.1:9")!, token: "kam_secret")
        _ = try ReplicaStore.create(home: home, settings: settings)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: home.databaseURL.path)
        _ = try ReplicaStore.open(home: home)
        #expect(try Self.mode(home.databaseURL) == 0o600)
    }

    @Test("an init cut short leaves a file with no replica in it: init makes it again, and a real replica is never replaced")
    func initCutShort() throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home.url.deletingLastPathComponent()) }
        // What an init killed right after making the file leaves: the file, empty.
        try FileManager.default.createDirectory(at: home.url, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: home.databaseURL.path, contents: nil))
        #expect(throws: ClientError.self) { try ReplicaStore.open(home: home).settings() }
        let settings = ReplicaSettings(replica: .random(), server: URL(string: "http://127.0.0.1:9")!, token: "kam_secret")
        let store = try ReplicaStore.create(home: home, settings: settings)
        #expect(try store.settings().replica == settings.replica)
        #expect(try Self.mode(home.databaseURL) == 0o600)
        // Once it holds a replica, init refuses and the replica stays.
        #expect(throws: ClientError.alreadyInitialised(home.url.path)) {
            try ReplicaStore.create(home: home, settings: ReplicaSettings(replica: .random(), server: settings.server, token: "other"))
        }
        #expect(try ReplicaStore.open(home: home).settings().replica == settings.replica)
    }
}
