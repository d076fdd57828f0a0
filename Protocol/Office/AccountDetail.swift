/// One value of a field in conflict, with who wrote it and when.
public struct ConflictValue: Hashable, Sendable, Codable {
    public var value: FieldValue
    /// The user whose replica wrote it, when known.
    public var author: String?
    public var replica: ReplicaID
    /// The writer's clock at the time: shown, never used to decide.
    public var at: Timestamp
}

/// Something a person has to settle on one record.
public struct OpenConflict: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A field with several values.
        case field
        /// Deleted on one laptop while edited (or restored) on another.
        case deleteVersusEdit = "delete-versus-edit"
    }

    public var kind: Kind
    public var recordKind: RecordKind
    public var record: RecordID
    /// The field in conflict; for a delete-versus-edit conflict, `nil`.
    public var field: String?
    /// The competing values; for a delete-versus-edit conflict, the edits made without seeing the delete.
    public var values: [ConflictValue]
    /// For a delete-versus-edit conflict: who deleted.
    public var deletedBy: [String]

    /// The open conflicts of one record's merged state.
    public static func of(_ state: RecordState, authors: [ReplicaID: String]) -> [OpenConflict] {
        func view(_ sibling: Sibling<FieldValue>) -> ConflictValue {
            ConflictValue(value: sibling.value, author: authors[sibling.dot.replica], replica: sibling.dot.replica, at: sibling.at)
        }
        var result = state.conflicts.map { conflict in
            OpenConflict(kind: .field, recordKind: state.kind, record: state.id, field: conflict.field,
                         values: conflict.siblings.map(view), deletedBy: [])
        }
        if case .deleteConflict(let conflict) = state.status {
            result.append(OpenConflict(
                kind: .deleteVersusEdit, recordKind: state.kind, record: state.id, field: nil,
                values: conflict.concurrentEdits.map { view($0.sibling) },
                deletedBy: conflict.deletes.map { authors[$0.dot.replica] ?? $0.dot.replica.rawValue }))
        }
        return result
    }
}

/// A review flag as the API shows it.
public struct FlagView: Hashable, Sendable, Codable {
    public var code: String
    public var message: String

    public init(_ flag: ReviewFlag) {
        code = flag.code
        message = flag.description
    }
}

/// The decline signal as the API shows it.
public struct DeclineView: Hashable, Sendable, Codable {
    public var period: Period
    public var periods: Int
    public var pace: String
    public var ourSalesFrom: Money
    public var ourSalesTo: Money

    public init(_ decline: Decline) {
        period = decline.period
        periods = decline.periods
        pace = decline.pace.rawValue
        ourSalesFrom = decline.ourSalesFrom
        ourSalesTo = decline.ourSalesTo
    }
}

/// Everything about one account: its records, history, conflicts and flags.
public struct AccountDetail: Hashable, Sendable, Codable {
    public var account: Account
    public var contacts: [Contact]
    public var activities: [Activity]
    public var opportunities: [Opportunity]
    public var shareRecords: [ShareRecord]
    public var stageHistory: [StageChange]
    public var conflicts: [OpenConflict]
    public var reviewFlags: [FlagView]
    public var decline: DeclineView?
    /// Who the relationship hangs on: one contact only, or no decision maker known.
    public var risks: [RelationshipRisk]
    /// Whether the account is caught in a delete-versus-edit conflict.
    public var deleted: Bool
    /// Every change of the account's owner in the order the server took them: who, when, from whom, to whom.
    public var ownerChanges: [OwnerChange]

    /// The detail of an account from its merged state and the merged states of
    /// its records. Deleted records are left out; records in a delete conflict
    /// are kept, with the conflict listed.
    public init(
        account state: RecordState, records: [RecordState], authors: [ReplicaID: String], ownerChanges: [OwnerChange] = []
    ) throws(DomainError) {
        account = try Account(state: state)
        let visible = records.filter { $0.status.isVisible }
        func typed<R: KAMRecord>(_: R.Type) -> [R] {
            visible.filter { $0.kind == R.kind }.compactMap { try? R(state: $0) }
        }
        contacts = typed(Contact.self).sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        activities = typed(Activity.self).sorted { ($0.date, $0.id) > ($1.date, $1.id) }
        opportunities = typed(Opportunity.self).sorted { ($0.kind.rawValue, $0.id) < ($1.kind.rawValue, $1.id) }
        shareRecords = typed(ShareRecord.self).sorted { $0.period < $1.period }
        stageHistory = typed(StageChange.self).sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        conflicts = ([state] + records).flatMap { OpenConflict.of($0, authors: authors) }
        reviewFlags = ReviewFlags.evaluate(account: state, shareRecords: visible.filter { $0.kind == .shareRecord }).map(FlagView.init)
        decline = DeclineSignal.evaluate(account: state.id, records: shareRecords).map(DeclineView.init)
        risks = RelationshipRisk.evaluate(contacts: contacts)
        deleted = !state.status.isVisible
        self.ownerChanges = ownerChanges
    }
}
