/// The accounts whose relationship hangs on too little: one contact only, or
/// no decision maker known (``RelationshipRisk``).
public struct RiskReport: Hashable, Sendable, Codable {
    public struct Entry: Hashable, Sendable, Codable {
        public var account: ReportAccount
        public var tier: Tier?
        /// How many contacts are known at the account.
        public var contacts: Int
        public var risks: [RelationshipRisk]
    }

    /// By name.
    public var accounts: [Entry]
    public var singleContact: Int
    public var noDecisionMaker: Int

    public init(_ data: ReportData) {
        let contacts = Dictionary(grouping: data.contacts, by: \.account)
        accounts = data.accounts.compactMap { account in
            let known = contacts[account.id] ?? []
            let risks = RelationshipRisk.evaluate(contacts: known)
            guard !risks.isEmpty else { return nil }
            return Entry(account: ReportAccount(account), tier: account.tier, contacts: known.count, risks: risks)
        }
        singleContact = accounts.filter { $0.risks.contains(.singleContact) }.count
        noDecisionMaker = accounts.filter { $0.risks.contains(.noDecisionMaker) }.count
    }
}
