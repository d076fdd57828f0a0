/// The pipeline: how many accounts sit at each stage, and our share there,
/// over all and per owner.
public struct PipelineReport: Hashable, Sendable, Codable {
    public struct Row: Hashable, Sendable, Codable {
        public var stage: Stage
        public var accounts: Int
        /// The mean share of the accounts at this stage whose share is known.
        public var averageShare: Share?
        /// How many of them have a known share.
        public var withShare: Int
    }

    public struct OwnerRows: Hashable, Sendable, Codable {
        /// The owner's user name; `nil` for accounts with no owner.
        public var owner: String?
        public var stages: [Row]
        public var accounts: Int
    }

    public var stages: [Row]
    public var owners: [OwnerRows]
    public var accounts: Int

    /// The report over some accounts.
    public init(accounts: [AccountSummary]) {
        stages = Self.rows(accounts)
        owners = Dictionary(grouping: accounts, by: \.owner)
            .map { OwnerRows(owner: $0.key, stages: Self.rows($0.value), accounts: $0.value.count) }
            .sorted { ($0.owner ?? "\u{10FFFF}") < ($1.owner ?? "\u{10FFFF}") }
        self.accounts = accounts.count
    }

    static func rows(_ accounts: [AccountSummary]) -> [Row] {
        Stage.allCases.map { stage in
            let here = accounts.filter { $0.stage == stage }
            let shares = here.compactMap(\.share)
            let average = shares.isEmpty
                ? nil : Share(basisPoints: Int((Double(shares.reduce(0) { $0 + $1.basisPoints }) / Double(shares.count)).rounded()))
            return Row(stage: stage, accounts: here.count, averageShare: average, withShare: shares.count)
        }
    }
}
