import KAMProtocol

/// Why the server would not take a push or a registration. Nothing was written.
public enum SyncError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The role may not push (the office reads only).
    case pushForbidden(Role)
    /// The pushing replica was never registered.
    case replicaNotRegistered(ReplicaID)
    /// The replica belongs to another user.
    case replicaOfAnotherUser(ReplicaID)
    /// A pushed state would forge history (or comes from a restored backup).
    case history(HistoryViolation)
    /// A pushed value breaks the record kind's schema.
    case invalidValue(kind: RecordKind, id: RecordID, DomainError)
    /// One batch holds the same record id as two kinds.
    case kindMismatch(id: RecordID, stored: RecordKind, pushed: RecordKind)
    /// A pushed register is not a state a replica can hold (no value, but a history).
    case malformedRegister(kind: RecordKind, id: RecordID, field: String?)
    /// An administrator revoked the replica (a lost or stolen laptop).
    case replicaRevoked(ReplicaID)
    /// The user already has as many replicas as the server allows.
    case tooManyReplicas(user: String, limit: Int)
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
        case .history(let violation):
            violation.description
        case .invalidValue(let kind, let id, let error):
            "\(kind) \(id): \(error.description)"
        case .kindMismatch(let id, let stored, let pushed):
            "record \(id) appears in this push as a \(stored) and as a \(pushed): a record has one kind"
        case .malformedRegister(let kind, let id, let field):
            "\(kind) \(id)\(field.map { " field '\($0.prefix(40))'" } ?? " deletion"): a register without a value cannot be pushed; every pushed register holds the write that changed it"
        case .replicaRevoked(let replica):
            "replica \(replica) was revoked by an administrator (a lost or stolen laptop) and may no longer sync: start a new replica on this laptop with 'kam init' (ask an administrator for a new token if yours was replaced)"
        case .tooManyReplicas(let user, let limit):
            "\(user) already has \(limit) registered replicas, the most this server allows: ask an administrator to revoke old laptops ('kam-server replica list --user \(user)', then 'kam-server replica revoke ID')"
        case .unsupportedProtocolVersion(let version):
            "protocol version \(version) is not supported: this server speaks \(KAMProtocolVersion.supported.lowerBound)–\(KAMProtocolVersion.supported.upperBound); upgrade kam"
        }
    }
}

/// Why a pull cannot be answered.
public enum PullError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The client has seen more changes than this server holds: the server's
    /// data was replaced (restored or reset) since the client last synced.
    case cursorAhead(since: UInt64, server: UInt64)

    public var description: String {
        switch self {
        case .cursorAhead(let since, let server):
            "your replica has seen change \(since) but this server only holds \(server): the server's data was reset or restored. Ask an administrator, then start a new replica with 'kam init'"
        }
    }
}
