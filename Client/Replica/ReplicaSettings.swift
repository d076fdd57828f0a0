import Foundation
import KAMProtocol

/// What a replica knows about itself and its server.
public struct ReplicaSettings: Sendable, Hashable {
    public var replica: ReplicaID
    public var server: URL
    public var token: String
    /// The user the server bound this replica to; known after the first sync.
    public var user: String?
    public var registered: Bool
    /// A PEM file of certificate authorities to trust for the server.
    public var caCertificate: String?
    /// The change-feed cursor: everything up to it has been joined.
    public var cursor: UInt64
    /// When the last sync finished, by this laptop's clock.
    public var lastSync: Timestamp?
    /// The newest protocol the server has said it speaks (1 until it says
    /// more): from 2 on, pushes go in binary form.
    public var serverProtocol: Int

    public init(
        replica: ReplicaID, server: URL, token: String, user: String? = nil, registered: Bool = false,
        caCertificate: String? = nil, cursor: UInt64 = 0, lastSync: Timestamp? = nil, serverProtocol: Int = 1
    ) {
        self.serverProtocol = serverProtocol
        self.replica = replica
        self.server = server
        self.token = token
        self.user = user
        self.registered = registered
        self.caCertificate = caCertificate
        self.cursor = cursor
        self.lastSync = lastSync
    }

    /// Checks a server address as typed: it needs http:// or https:// and a host.
    public static func serverURL(_ text: String) throws(ClientError) -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.contains("://") else {
            throw .badServerURL(text, "it needs http:// or https:// in front, like http://\(trimmed)")
        }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased() else {
            throw .badServerURL(text, "it is not a URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .badServerURL(text, "it needs http:// or https:// in front, like http://\(trimmed)")
        }
        guard let host = url.host, !host.isEmpty else { throw .badServerURL(text, "it has no host name") }
        return url
    }
}
