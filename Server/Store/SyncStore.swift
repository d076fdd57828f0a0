import KAMProtocol

/// Where the server keeps users, replicas and the merged state.
///
/// A store persists what KAMProtocol's merge decides; it never decides itself.
/// Every method is one transaction: it happens entirely or not at all.
public protocol SyncStore: Sendable {
    /// Adds a user and returns their bearer token, the only time it is shown.
    func addUser(name: String, role: Role) async throws -> String
    /// Every user, revoked ones included, by name.
    func users() async throws -> [User]
    /// Revokes a user's token; their replicas' past work stays.
    func revokeUser(name: String) async throws
    /// Gives user `name` a new token, returned the only time it is shown, and
    /// ends the old one. Their accounts and replicas stay theirs; a revoked
    /// user stays revoked (``UserError/revoked(_:)``).
    func replaceToken(name: String) async throws -> String
    /// The user holding `token`, unless it is unknown or revoked.
    func authenticate(token: String) async throws -> User?

    /// Binds a replica id to `user`, who may hold at most `limit` replicas that
    /// are not revoked. Registering the same id again for the same user is a
    /// harmless retry; a revoked id stays revoked.
    func registerReplica(_ replica: ReplicaID, for user: User, limit: Int) async throws -> ReplicaRegistered
    /// Every replica, or only `user`'s, with its registration and last sync.
    func replicas(user: String?) async throws -> [ReplicaInfo]
    /// Shuts one replica (a lost or stolen laptop) out of pushes and pulls; the
    /// user's other replicas and the replica's past work stay.
    func revokeReplica(_ replica: ReplicaID) async throws
    /// Checks that `replica` may sync as `user` (registered to them, not
    /// revoked) and notes that it was seen, to the minute.
    func admitReplica(_ replica: ReplicaID, for user: User) async throws

    /// Joins a batch of pushed states into the merged state (one transaction).
    func push(_ request: PushRequest, by user: User) async throws -> PushAcknowledgement
    /// The changes above `since` that `user` may see, at most `limit` field states.
    func pull(since: UInt64, limit: Int, for user: User) async throws -> PullPage

    /// The accounts `user` may see that match `query`.
    func accounts(matching query: AccountQuery, for user: User) async throws -> AccountList
    /// One account with everything on it, or `nil` if `user` cannot see it.
    func account(_ id: RecordID, for user: User) async throws -> AccountDetail?
    /// The pipeline over the accounts `user` may see.
    func pipeline(for user: User) async throws -> PipelineReport
}

/// Why the store would not take a push or a registration. Nothing was written.
public enum SyncError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The role may not push (the office reads only).
    case pushForbidden(Role)
    /// The pushing replica was never registered.
    case replicaNotRegistered(ReplicaID)
    /// The replica belongs to another user.
    case replicaOfAnotherUser(ReplicaID)
    /// An administrator revoked the replica (a lost or stolen laptop).
    case replicaRevoked(ReplicaID)
    /// The user already has as many replicas as the server allows.
    case tooManyReplicas(user: String, limit: Int)
    /// A pushed state would forge history (or comes from a restored backup).
    case history(HistoryViolation)
    /// A pushed value breaks the record kind's schema.
    case invalidValue(kind: RecordKind, id: RecordID, DomainError)
    /// A record id the server holds as another kind.
    case kindMismatch(id: RecordID, stored: RecordKind, pushed: RecordKind)
    /// The request speaks a protocol version this server does not.
    case unsupportedProtocolVersion(Int)

    public var description: String {
        switch self {
        case .pushForbidden(let role):
            "the \(role) role reads only and may not push changes"
        case .replicaNotRegistered(let replica):
            "replica \(replica) is not registered: register it with POST /v1/replicas first"
        case .replicaOfAnotherUser(let replica):
            "replica \(replica) belongs to another user: each laptop registers its own replica"
        case .replicaRevoked(let replica):
            "replica \(replica) was revoked by an administrator (a lost or stolen laptop) and may no longer sync: start a new replica on this laptop with 'kam init' (ask an administrator for a new token if yours was replaced)"
        case .tooManyReplicas(let user, let limit):
            "\(user) already has \(limit) registered replicas, the most this server allows: ask an administrator to revoke old laptops ('kam-server replica list --user \(user)', then 'kam-server replica revoke ID')"
        case .history(let violation):
            violation.description
        case .invalidValue(let kind, let id, let error):
            "\(kind) \(id): \(error.description)"
        case .kindMismatch(let id, let stored, let pushed):
            "record \(id) is a \(stored) on the server, not a \(pushed)"
        case .unsupportedProtocolVersion(let version):
            "protocol version \(version) is not supported: this server speaks \(KAMProtocolVersion.supported.lowerBound)–\(KAMProtocolVersion.supported.upperBound); upgrade kam"
        }
    }
}

extension SyncStore {
    /// Binds a replica id to `user`, within the default replica limit.
    public func registerReplica(_ replica: ReplicaID, for user: User) async throws -> ReplicaRegistered {
        try await registerReplica(replica, for: user, limit: ServerConfiguration.defaultMaximumReplicasPerUser)
    }
}
