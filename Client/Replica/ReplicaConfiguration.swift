import Foundation
import KAMProtocol

/// What `kam config` shows of a replica: where it syncs and as whom. The
/// token is masked, so the output can be pasted into a support request.
public struct ReplicaConfiguration: Hashable, Sendable, Codable {
    public var replica: ReplicaID
    public var server: String
    /// The user the server bound this replica to; known after the first sync.
    public var user: String?
    /// Whether the server knows this replica (the next sync registers it if not).
    public var registered: Bool
    /// The start of the token and `…`, never the whole of it.
    public var token: String
    /// The PEM file of certificate authorities trusted for the server, if one was given.
    public var caCert: String?

    public init(_ settings: ReplicaSettings) {
        replica = settings.replica
        server = settings.server.absoluteString
        user = settings.user
        registered = settings.registered
        token = Self.mask(settings.token)
        caCert = settings.caCertificate
    }

    /// The first 8 characters of a token and `…`; at most half of a short one.
    public static func mask(_ token: String) -> String {
        String(token.prefix(min(8, token.count / 2))) + "…"
    }
}

/// A change to a replica's connection settings; `nil` leaves a setting as it is.
public struct ConfigurationChange: Hashable, Sendable {
    public var server: URL?
    public var token: String?
    /// `.some(nil)` stops trusting a CA file (the system's authorities are used).
    public var caCertificate: String??

    public init(server: URL? = nil, token: String? = nil, caCertificate: String?? = nil) {
        self.server = server
        self.token = token
        self.caCertificate = caCertificate
    }

    public var isEmpty: Bool { server == nil && token == nil && caCertificate == nil }
}
