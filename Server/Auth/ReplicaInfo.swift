import KAMProtocol

/// One registered replica (a laptop), as an administrator sees it.
public struct ReplicaInfo: Sendable, Hashable, Codable {
    public var id: ReplicaID
    /// The user the replica is bound to.
    public var user: String
    /// When it registered, in milliseconds since 1970.
    public var registeredAt: Int64
    /// When it last pushed or pulled (to the minute), in milliseconds since 1970; `nil` if never.
    public var lastSeenAt: Int64?
    /// When an administrator revoked it; `nil` while it may sync.
    public var revokedAt: Int64?

    public init(id: ReplicaID, user: String, registeredAt: Int64, lastSeenAt: Int64? = nil, revokedAt: Int64? = nil) {
        self.id = id
        self.user = user
        self.registeredAt = registeredAt
        self.lastSeenAt = lastSeenAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }
}
