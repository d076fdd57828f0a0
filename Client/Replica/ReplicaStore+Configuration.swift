import Foundation
import GRDB
import KAMProtocol

extension ReplicaStore {
    /// The replica's connection settings as `kam config` shows them.
    public func configuration() throws -> ReplicaConfiguration {
        ReplicaConfiguration(try settings())
    }

    /// Changes where and how this replica syncs: the server's address (the
    /// server moved, or now speaks TLS), the token, or the CA file.
    ///
    /// Only the connection settings change: the replica id, its dot counter,
    /// the cursor, pending edits, conflicts and refusals stay as they are. A
    /// new address or token makes the next sync register the replica again,
    /// which the server answers like a retry when it already knows it.
    ///
    /// - Returns: the names of the settings that changed (`server`, `token`, `ca-cert`).
    @discardableResult
    public func reconfigure(_ change: ConfigurationChange) throws -> [String] {
        if let token = change.token, token.trimmingSpaces().isEmpty { throw ClientError.emptyToken("--token") }
        return try writer.write { db in
            let current = try Self.settings(db)
            var changed: [String] = []
            if let server = change.server, server != current.server {
                try db.execute(
                    sql: "UPDATE replica SET server = ?, registered = 0, server_protocol = 1 WHERE id = 1", arguments: [server.absoluteString])
                changed.append("server")
            }
            if let token = change.token, token != current.token {
                try db.execute(sql: "UPDATE replica SET token = ?, registered = 0 WHERE id = 1", arguments: [token])
                changed.append("token")
            }
            if let caCertificate = change.caCertificate, caCertificate != current.caCertificate {
                try db.execute(sql: "UPDATE replica SET ca_cert = ? WHERE id = 1", arguments: [caCertificate])
                changed.append("ca-cert")
            }
            return changed
        }
    }
}
