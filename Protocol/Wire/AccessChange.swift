/// A record that left the puller's sight, in the change feed: the laptop
/// removes it and keeps the edits to it the server has not accepted.
///
/// A rep sees the accounts they own and the records on them. When an account
/// is reassigned, the old owner's next pull carries a removal for the account
/// and every record on it; when a record moves to an account the puller does
/// not hold, a removal for that record alone.
public struct Removal: Hashable, Sendable, Codable {
    /// Why a record left a user's sight.
    public enum Reason: String, Hashable, Sendable, Codable, CaseIterable {
        /// Its account now belongs to someone else (`owners`).
        case reassigned
        /// The record moved to an account the user does not hold.
        case moved
        /// The access rule no longer gives the user its account (for
        /// example, an account they created but never owned).
        case accessEnded = "access-ended"
    }

    public var kind: RecordKind
    public var id: RecordID
    /// The account whose loss took the record away: the record itself for an
    /// account, the account it left for a moved record.
    public var account: RecordID
    public var reason: Reason
    /// The account's owners after the change, for ``Reason/reassigned``.
    public var owners: [String]

    public init(kind: RecordKind, id: RecordID, account: RecordID, reason: Reason, owners: [String] = []) {
        self.kind = kind
        self.id = id
        self.account = account
        self.reason = reason
        self.owners = owners
    }
}

/// One change of an account's owner, as the account's history shows it.
public struct OwnerChange: Hashable, Sendable, Codable {
    public var account: RecordID
    /// When the writer's clock says the change was made.
    public var at: Timestamp
    /// The user who made it (the server's word, never the client's).
    public var by: String
    /// The owners before; empty when the account was created.
    public var from: [String]
    /// The owners after: more than one while the owner is in conflict.
    public var to: [String]

    public init(account: RecordID, at: Timestamp, by: String, from: [String], to: [String]) {
        self.account = account
        self.at = at
        self.by = by
        self.from = from
        self.to = to
    }
}
