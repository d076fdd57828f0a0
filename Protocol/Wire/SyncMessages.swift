/// Registers a replica id for the authenticated user: `POST /v1/replicas`.
public struct ReplicaRegistration: Hashable, Sendable, Codable {
    public var protocolVersion: Int
    public var replica: ReplicaID

    /// Sent as protocol 1 by default: the message is unchanged since, so a
    /// server of any release takes it.
    public init(replica: ReplicaID, protocolVersion: Int = 1) {
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

    /// Sent as protocol 1 by default: the message is unchanged since, so a
    /// server of any release takes it.
    public init(replica: ReplicaID, records: [RecordState], protocolVersion: Int = 1) {
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
    /// Records that left the puller's sight: the laptop removes them
    /// (protocol 2). A record is never both here and in `records`.
    public var removals: [Removal]
    /// Owner changes of the accounts the puller sees (protocol 2).
    public var ownerChanges: [OwnerChange]

    public init(
        records: [RecordState], authors: [ReplicaID: String], cursor: UInt64, hasMore: Bool,
        removals: [Removal] = [], ownerChanges: [OwnerChange] = [],
        protocolVersion: Int = KAMProtocolVersion.current
    ) {
        self.protocolVersion = protocolVersion
        self.records = records
        self.authors = authors
        self.cursor = cursor
        self.hasMore = hasMore
        self.removals = removals
        self.ownerChanges = ownerChanges
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion, records, authors, cursor, hasMore, removals, ownerChanges
    }

    /// Reads a page; a server on protocol 1 sends neither removals nor owner changes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        protocolVersion = try container.decode(Int.self, forKey: .protocolVersion)
        records = try container.decode([RecordState].self, forKey: .records)
        authors = try container.decode([ReplicaID: String].self, forKey: .authors)
        cursor = try container.decode(UInt64.self, forKey: .cursor)
        hasMore = try container.decode(Bool.self, forKey: .hasMore)
        removals = try container.decodeIfPresent([Removal].self, forKey: .removals) ?? []
        ownerChanges = try container.decodeIfPresent([OwnerChange].self, forKey: .ownerChanges) ?? []
    }
}

/// Asks for the current state of some records: `POST /v1/sync/fetch`. A
/// laptop that drops a refused edit fetches the record to put the server's
/// value back.
public struct FetchRequest: Hashable, Sendable, Codable {
    public var protocolVersion: Int
    public var ids: [RecordID]
    /// The asking replica: a revoked one is refused, as for pushes and pulls.
    public var replica: ReplicaID?

    /// The most records one fetch may name.
    public static let maximumIDs = 1_000

    /// Sent as protocol 1 by default: the message is unchanged since, so a
    /// server of any release reads it.
    public init(ids: [RecordID], replica: ReplicaID? = nil, protocolVersion: Int = 1) {
        self.protocolVersion = protocolVersion
        self.ids = ids
        self.replica = replica
    }
}

/// The answer to a ``FetchRequest``: the named records the user may see.
/// One that is missing is not on the server, or not the user's to see: the
/// laptop removes it.
public struct FetchAnswer: Hashable, Sendable, Codable {
    public var protocolVersion: Int
    public var records: [RecordState]
    public var authors: [ReplicaID: String]

    public init(records: [RecordState], authors: [ReplicaID: String], protocolVersion: Int = KAMProtocolVersion.current) {
        self.protocolVersion = protocolVersion
        self.records = records
        self.authors = authors
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
