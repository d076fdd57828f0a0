/// Registers a replica id for the authenticated user: `POST /v1/replicas`.
public struct ReplicaRegistration: Hashable, Sendable, Codable {
    public var protocolVersion: Int
    public var replica: ReplicaID

    public init(replica: ReplicaID, protocolVersion: Int = KAMProtocolVersion.current) {
        self.protocolVersion = protocolVersion
        self.replica = replica
    }
}

/// The server's answer to a registration.
public struct ReplicaRegistered: Hashable, Sendable, Codable {
    public var protocolVersion: Int
    public var replica: ReplicaID
    /// The user the replica now belongs to: the author of its writes.
    public var user: String

    public init(replica: ReplicaID, user: String, protocolVersion: Int = KAMProtocolVersion.current) {
        self.protocolVersion = protocolVersion
        self.replica = replica
        self.user = user
    }
}

/// One batch of changed field states: `POST /v1/sync/push`.
///
/// Each record state holds only the fields (and the deletion register) the
/// replica changed since its last acknowledged push. A replica pushes its
/// changed fields in increasing order of its own newest dot in each, so the
/// server can tell a reused counter from a retry. Re-sending a batch is safe.
public struct PushRequest: Hashable, Sendable, Codable {
    public var protocolVersion: Int
    /// The pushing replica; it must be registered to the authenticated user.
    public var replica: ReplicaID
    public var records: [RecordState]

    public init(replica: ReplicaID, records: [RecordState], protocolVersion: Int = KAMProtocolVersion.current) {
        self.protocolVersion = protocolVersion
        self.replica = replica
        self.records = records
    }

    /// How many field registers (and deletion registers) the batch holds.
    public var fieldStateCount: Int {
        records.reduce(0) { $0 + $1.fields.count + ($1.existence.context.isEmpty ? 0 : 1) }
    }
}

/// A field state the server would not merge, and why. The rest of the batch
/// is merged; a refusal never blocks later syncs.
public struct PushRefusal: Hashable, Sendable, Codable {
    public var kind: RecordKind
    public var id: RecordID
    /// The field, or `nil` for the whole record (or its deletion).
    public var field: String?
    /// A stable reason code, e.g. `not-owner`, `invalid-value`.
    public var code: String
    /// What was wrong, for a person.
    public var message: String

    public init(kind: RecordKind, id: RecordID, field: String?, code: String, message: String) {
        self.kind = kind
        self.id = id
        self.field = field
        self.code = code
        self.message = message
    }
}

/// The server's answer to a push: everything not refused is durably merged.
public struct PushAcknowledgement: Hashable, Sendable, Codable {
    public var protocolVersion: Int
    /// How many field states were merged (including ones the server already had).
    public var accepted: Int
    public var refused: [PushRefusal]
    /// The newest sequence number the server has handed out.
    public var sequence: UInt64
    /// How many fields this push left with conflicting values that had none before.
    public var conflicts: Int

    public init(
        accepted: Int, refused: [PushRefusal], sequence: UInt64, conflicts: Int = 0,
        protocolVersion: Int = KAMProtocolVersion.current
    ) {
        self.protocolVersion = protocolVersion
        self.accepted = accepted
        self.refused = refused
        self.sequence = sequence
        self.conflicts = conflicts
    }
}

/// One page of the change feed: `GET /v1/sync/pull?since=CURSOR&limit=N`.
///
/// Holds the field states whose sequence number lies above `since` and at or
/// below `cursor`, grouped by record. The client joins them and stores
/// `cursor` in the same transaction.
public struct PullPage: Hashable, Sendable, Codable {
    public var protocolVersion: Int
    public var records: [RecordState]
    /// Who wrote with each replica that has a dot in this page: the author shown beside a value.
    public var authors: [ReplicaID: String]
    /// The cursor to ask from next.
    public var cursor: UInt64
    /// Whether more changes lie above `cursor`.
    public var hasMore: Bool

    public init(
        records: [RecordState], authors: [ReplicaID: String], cursor: UInt64, hasMore: Bool,
        protocolVersion: Int = KAMProtocolVersion.current
    ) {
        self.protocolVersion = protocolVersion
        self.records = records
        self.authors = authors
        self.cursor = cursor
        self.hasMore = hasMore
    }
}

/// The body of every error response: `{ "error": { "code", "message" } }`.
public struct ErrorBody: Hashable, Sendable, Codable {
    public struct Detail: Hashable, Sendable, Codable {
        /// A stable code, e.g. `bad-request`, `replica-reused-counter`.
        public var code: String
        /// What was wrong and what to do, for a person.
        public var message: String
    }

    public var error: Detail

    public init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }
}
