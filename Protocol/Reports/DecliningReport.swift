/// The accounts in decline: our sales falling while the customer's spend in
/// our category holds (``DeclineSignal``), with the periods and the fall.
public struct DecliningReport: Hashable, Sendable, Codable {
    public struct Entry: Hashable, Sendable, Codable {
        public var account: ReportAccount
        /// The first and the latest period of the falling run.
        public var fromPeriod: Period
        public var toPeriod: Period
        /// How many periods in a row our sales fell.
        public var periods: Int
        public var pace: String
        public var ourSalesFrom: Money
        public var ourSalesTo: Money
        public var customerSpendFrom: Money
        public var customerSpendTo: Money
        /// The fall over the run, as a share of where it started.
        public var drop: Share
    }

    /// The largest fall first.
    public var accounts: [Entry]

    public init(_ data: ReportData) {
        let records = Dictionary(grouping: data.shareRecords, by: \.account)
        accounts = data.accounts.compactMap { account in
            let own = records[account.id] ?? []
            guard let decline = DeclineSignal.evaluate(account: account.id, records: own) else { return nil }
            var start = decline.period
            for _ in 0..<decline.periods { start = start.previous }
            let spend = { (period: Period) in own.first { $0.period == period }?.customerSpend ?? Money(minorUnits: 0) }
            return Entry(
                account: ReportAccount(account), fromPeriod: start, toPeriod: decline.period, periods: decline.periods,
                pace: decline.pace.rawValue, ourSalesFrom: decline.ourSalesFrom, ourSalesTo: decline.ourSalesTo,
                customerSpendFrom: spend(start), customerSpendTo: spend(decline.period),
                drop: Share(basisPoints: Int((decline.drop * 10_000).rounded())))
        }
        .sorted { ($1.drop, $0.account.name, $0.account.id) < ($0.drop, $1.account.name, $1.account.id) }
    }
}
