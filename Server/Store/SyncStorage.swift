import Foundation
import KAMProtocol

/// Where the server keeps users, replicas and the merged state: narrow
/// primitives that persist, and decide nothing.
///
/// Every decision (who may push what, the history check, refusals, access,
/// sequencing) lives above the storage, in ``SyncService``, so each storage
/// (the embedded SQLite one, a PostgreSQL one) shares all of the policy.
/// ``write(_:)`` and ``read(_:)`` run their body in one transaction: it
/// happens entirely or not at all.
public protocol SyncStorage: Sendable {
    /// Adds a user with the SHA-256 hash of their token.
    func addUser(name: String, role: Role, tokenHash: Data, at: Int64) async throws
    /// Every user, revoked ones included, by name.
    func users() async throws -> [User]
    /// Marks a user revoked at `at`; throws ``UserError/unknown(_:)`` for an unknown name.
    func revokeUser(name: String, at: Int64) async throws
    /// The user whose token hashes to `tokenHash`, unless revoked.
    func user(tokenHash: Data) async throws -> User?
    /// Replaces a user's token hash and ends their office sessions; throws
    /// ``UserError/unknown(_:)`` or ``UserError/revoked(_:)`` (a revoked user stays revoked).
    func replaceTokenHash(name: String, tokenHash: Data) async throws

    /// Starts an office session for `user`, kept as the SHA-256 hash of its
    /// secret, ending at `expiresAt`; sessions that ended before `at` are dropped.
    func addSession(hash: Data, user: String, at: Int64, expiresAt: Int64) async throws
    /// The user of the session with this hash, unless it has ended by `now` or the user is revoked.
    func sessionUser(hash: Data, now: Int64) async throws -> User?
    /// Ends the session with this hash (nothing when there is none).
    func removeSession(hash: Data) async throws

    /// Runs `body` in one write transaction.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SyncTransaction) throws -> T) async throws -> T
    /// Runs `body` in one read-only transaction (a consistent snapshot).
    func read<T: Sendable>(_ body: @escaping @Sendable (any SyncReads) throws -> T) async throws -> T

    /// The account-list rows that match `query` among the accounts in `scope`.
    func accounts(matching query: AccountQuery, in scope: AccessScope) async throws -> AccountList
    /// Every visible account in `scope`, for reports.
    func accountSummaries(in scope: AccessScope) async throws -> [AccountSummary]
    /// Every account that matches `query` in `scope` (all pages, in list order), with all its fields: for CSV.
    func accountRecords(matching query: AccountQuery, in scope: AccessScope) async throws -> [Account]
}

/// Which accounts a read covers: the access rule decides it, the storage
/// only applies it.
public enum AccessScope: Sendable, Hashable {
    /// Every account.
    case everything
    /// The accounts `user` holds access rows for, and the records on them.
    case accessRows(of: String)
}

/// A record as the server holds it.
public struct StoredRecord: Sendable, Hashable {
    public var state: RecordState
    /// The user who first pushed it.
    public var createdBy: String

    public init(state: RecordState, createdBy: String) {
        self.state = state
        self.createdBy = createdBy
    }
}

/// One change of the feed: a record, whole, as the store keeps it
/// (``RecordEncoding``'s bytes, replicas numbered by the store), with the
/// sequence number of its last change.
public struct FeedRow: Sendable, Hashable {
    public var record: EncodedRecord
    public var sequence: UInt64

    public init(record: EncodedRecord, sequence: UInt64) {
        self.record = record
        self.sequence = sequence
    }
}

/// A record the server holds, with every account it names.
public struct NamedRecord: Sendable, Hashable {
    public var id: RecordID
    public var kind: RecordKind
    /// Every account the record names: more than one while its `account` is in conflict.
    public var accounts: [RecordID]

    public init(id: RecordID, kind: RecordKind, accounts: [RecordID]) {
        self.id = id
        self.kind = kind
        self.accounts = accounts
    }
}

/// What one pull page reads of the feed (``SyncReads/changes(since:limit:scope:removalsFor:ownerChanges:)``).
public struct FeedChanges: Sendable, Hashable {
    /// The newest sequence number handed out.
    public var current: UInt64
    public var records: [FeedRow]
    public var removals: [Sequenced<Removal>]
    public var ownerChanges: [Sequenced<OwnerChange>]

    public init(current: UInt64, records: [FeedRow] = [], removals: [Sequenced<Removal>] = [], ownerChanges: [Sequenced<OwnerChange>] = []) {
        self.current = current
        self.records = records
        self.removals = removals
        self.ownerChanges = ownerChanges
    }
}

/// A change of the feed that is not a register, with its sequence number.
public struct Sequenced<Change: Sendable & Hashable>: Sendable, Hashable {
    public var sequence: UInt64
    public var change: Change

    public init(sequence: UInt64, change: Change) {
        self.sequence = sequence
        self.change = change
    }
}

/// A write the server refused, remembered by its dot so a re-sent batch gets
/// the same answer.
public struct RememberedRefusal: Sendable, Hashable {
    public var dot: Dot
    public var record: RecordID
    public var refusal: PushRefusal

    public init(dot: Dot, record: RecordID, refusal: PushRefusal) {
        self.dot = dot
        self.record = record
        self.refusal = refusal
    }
}

/// What storage reads inside a transaction.
public protocol SyncReads {
    /// The replica `id` as registered, or `nil` if it never was.
    func replica(_ id: ReplicaID) throws -> ReplicaInfo?
    /// Every replica, or only `user`'s, by user and registration.
    func replicas(user: String?) throws -> [ReplicaInfo]
    /// How many replicas are registered to `user` and not revoked.
    func activeReplicaCount(of user: String) throws -> Int
    /// Every replica of `user` that is not revoked, with the highest counter processed from it.
    func replicaCounters(of user: String) throws -> [ReplicaID: UInt64]
    /// The user each of `replicas` is registered to (every replica when `nil`).
    func replicaUsers(_ replicas: Set<ReplicaID>?) throws -> [ReplicaID: String]

    /// The replicas these numbers of the store's record bytes stand for; an unknown number is damaged data.
    func replicas(numbered numbers: Set<UInt64>) throws -> [UInt64: ReplicaID]

    /// Says that the transaction is about to read these records and these
    /// replicas (with their users' other replicas): a store that pays a round
    /// trip for each question may read them all in one go. It changes nothing else.
    func prefetch(records: [RecordID], replicas: [ReplicaID]) throws
    /// The record `id` with all its registers, or `nil` if the server never took it.
    func record(_ id: RecordID) throws -> StoredRecord?
    /// The records of `ids` the server holds, with all their registers (a store may read them in one go).
    func records(_ ids: [RecordID]) throws -> [RecordID: StoredRecord]
    /// The kind the server holds `id` as, or `nil` when it holds no such record.
    func kind(of id: RecordID) throws -> RecordKind?
    /// The users who may see and write `account` (its access rows).
    func accessUsers(of account: RecordID) throws -> Set<String>
    /// Whether `user` has an access row for `account`.
    func hasAccess(_ user: String, to account: RecordID) throws -> Bool
    /// The roles of these users (unknown names are left out).
    func roles(of users: Set<String>) throws -> [String: Role]
    /// Every record that names `account` (the account itself included), with all the accounts each names.
    func recordsNaming(_ account: RecordID) throws -> [NamedRecord]
    /// The id of every account the server holds.
    func accountIDs() throws -> [RecordID]
    /// The accounts `record` names (itself for an account); none for a record the server does not hold.
    func accountsNamed(by record: RecordID) throws -> [RecordID]
    /// Every record that names more than one account (its `account` is in conflict).
    func recordsNamingSeveralAccounts() throws -> [RecordID]
    /// Every record of `account` other than the account itself, in id order.
    func records(of account: RecordID) throws -> [RecordState]
    /// The share records of `account`.
    func shareRecords(of account: RecordID) throws -> [RecordState]
    /// Every visible record of `kinds` in `scope`: what the office's reports read.
    func visibleRecords(of kinds: [RecordKind], in scope: AccessScope) throws -> [RecordState]

    /// The newest sequence number handed out.
    func sequence() throws -> UInt64
    /// Up to `limit` feed rows above `since` in sequence order, of the
    /// records in `scope`. `gap` is how far `since` lies behind the newest
    /// sequence number.
    func feed(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [FeedRow]
    /// Up to `limit` removals for `user` above `since`, in sequence order.
    func removals(since: UInt64, limit: Int, user: String) throws -> [Sequenced<Removal>]
    /// Up to `limit` owner changes above `since` of the accounts in `scope`, in sequence order;
    /// `gap` is how many changes the server holds above `since` (for choosing how to read them).
    func ownerChanges(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [Sequenced<OwnerChange>]
    /// What one pull page reads, in one snapshot: the newest sequence number
    /// and, above `since`, up to `limit` each of the feed rows in `scope`,
    /// the removals for `removalsFor` (none when `nil`) and, when
    /// `ownerChanges`, the owner changes in `scope`. Nothing above the newest
    /// sequence number when `since` lies past it. A store may ask for them all at once.
    func changes(since: UInt64, limit: Int, scope: AccessScope, removalsFor user: String?, ownerChanges: Bool) throws -> FeedChanges
    /// Every owner change of `account`, oldest first.
    func ownerChanges(of account: RecordID) throws -> [OwnerChange]
    /// A value the storage keeps for the policy (e.g. which access rule the access rows follow).
    func setting(_ key: String) throws -> String?
    /// The refusals remembered for these dots of one replica.
    func refusals(replica: ReplicaID, counters: [UInt64]) throws -> [RememberedRefusal]
}

extension SyncReads {
    public func prefetch(records: [RecordID], replicas: [ReplicaID]) throws {}

    public func changes(since: UInt64, limit: Int, scope: AccessScope, removalsFor user: String?, ownerChanges: Bool) throws -> FeedChanges {
        let current = try sequence()
        guard since <= current else { return FeedChanges(current: current) }
        return FeedChanges(
            current: current, records: try feed(since: since, limit: limit, scope: scope, gap: current - since),
            removals: try user.map { try removals(since: since, limit: limit, user: $0) } ?? [],
            ownerChanges: ownerChanges ? try self.ownerChanges(since: since, limit: limit, scope: scope, gap: current - since) : [])
    }

    public func records(_ ids: [RecordID]) throws -> [RecordID: StoredRecord] {
        var found: [RecordID: StoredRecord] = [:]
        for id in ids where found[id] == nil {
            if let record = try record(id) { found[id] = record }
        }
        return found
    }
}

/// What storage writes inside a transaction, beside what it reads.
public protocol SyncTransaction: SyncReads {
    /// Binds `replica` to `user`.
    func insertReplica(_ replica: ReplicaID, user: String, at: Int64) throws
    /// Records the highest counter processed from `replica`.
    func setHighestCounter(_ counter: UInt64, of replica: ReplicaID) throws
    /// Shuts `replica` out from `at` on.
    func revokeReplica(_ replica: ReplicaID, at: Int64) throws
    /// Notes that `replica` synced at `at`.
    func markSeen(_ replica: ReplicaID, at: Int64) throws

    /// Stores a record's merged state, whole, as the feed's change `sequence`,
    /// with the rows the office's queries and the feed's scope read, derived
    /// from it: the record's index columns and the accounts it names.
    func saveRecord(_ state: RecordState, createdBy: String, sequence: UInt64) throws
    /// Gives `user` access to `account`.
    func grantAccess(_ user: String, to account: RecordID) throws
    /// Takes `user`'s access to `account` away.
    func revokeAccess(_ user: String, to account: RecordID) throws
    /// Gives `account`, every record naming it and every owner change of it a
    /// new sequence number above `sequence`, in their old order; returns the last one.
    func resequence(account: RecordID, after sequence: UInt64) throws -> UInt64
    /// Gives `record` a new sequence number above `sequence`; returns it.
    func resequence(record: RecordID, after sequence: UInt64) throws -> UInt64
    /// Adds a removal for `user` to the feed.
    func addRemoval(_ removal: Removal, for user: String, sequence: UInt64) throws
    /// Adds an owner change to the feed and the account's history.
    func addOwnerChange(_ change: OwnerChange, sequence: UInt64) throws
    /// Stores a value for the policy.
    func setSetting(_ key: String, _ value: String) throws
    /// Stores an account's review flags.
    func setFlags(_ flags: [String], of account: RecordID) throws
    /// Records the newest sequence number handed out.
    func setSequence(_ sequence: UInt64) throws
    /// Remembers refused writes by their dots.
    func remember(_ refusals: [RememberedRefusal]) throws
    /// Runs `body` so that, when it throws, everything it wrote is undone and
    /// the rest of the transaction stands (a savepoint).
    func savepoint<T>(_ body: () throws -> T) throws -> T
}
