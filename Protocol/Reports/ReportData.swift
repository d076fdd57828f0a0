/// What the office's reports read: the visible accounts of a scope and the
/// visible records on them, typed.
///
/// The server builds it from the accounts a user may see, a laptop from its
/// replica; every report is computed from it by the same code, so the same
/// records give the same answer on both sides. A record whose values cannot
/// be read as its kind, or whose account is not among the accounts, is left
/// out.
public struct ReportData: Sendable {
    public var accounts: [Account]
    public var contacts: [Contact]
    public var activities: [Activity]
    public var shareRecords: [ShareRecord]
    public var stageChanges: [StageChange]

    /// The kinds of record the reports read.
    public static let kinds: [RecordKind] = [.account, .contact, .activity, .shareRecord, .stageChange]

    /// The data of these merged states; deleted records are left out.
    public init(states: [RecordState]) {
        let visible = states.filter { $0.status.isVisible }
        func typed<R: KAMRecord>(_: R.Type) -> [R] {
            visible.filter { $0.kind == R.kind }.compactMap { try? R(state: $0) }
        }
        accounts = typed(Account.self).sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        let known = Set(accounts.map(\.id))
        contacts = typed(Contact.self).filter { known.contains($0.account) }
        activities = typed(Activity.self).filter { known.contains($0.account) }
        shareRecords = typed(ShareRecord.self).filter { known.contains($0.account) }
        stageChanges = typed(StageChange.self).filter { known.contains($0.account) }
    }

    /// The accounts by id.
    public var accountsByID: [RecordID: Account] {
        Dictionary(accounts.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// An account as a report row names it.
public struct ReportAccount: Hashable, Sendable, Codable {
    public var id: RecordID
    public var name: String
    public var owner: String?
    public var stage: Stage

    public init(_ account: Account) {
        id = account.id
        name = account.name
        owner = account.owner
        stage = account.stage
    }
}
