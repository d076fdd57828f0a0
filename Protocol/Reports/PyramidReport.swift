/// The customer pyramid by value: every account in its tier by our sales over
/// a range of periods (platinum the top 1 %, gold the next 4 %, iron the next
/// 15 %, lead the other 80 %; see ``ValuePyramid``), beside the tier recorded
/// on the account.
///
/// Our sales come from the share records in the range. Where an account has
/// both a quarter's record and monthly records within that quarter, the
/// quarter's counts and its months do not, so nothing is counted twice. An
/// account with no record in the range has sales of zero.
public struct PyramidReport: Hashable, Sendable, Codable {
    /// One tier: how many accounts it holds and what they bought from us.
    public struct TierRow: Hashable, Sendable, Codable {
        public var tier: Tier
        public var accounts: Int
        public var ourSales: Money
        /// The tier's part of our sales in the range; `nil` when there were none.
        public var shareOfSales: Share?
        /// How many accounts have this tier recorded.
        public var recorded: Int
    }

    /// One account, with its computed tier beside its recorded one.
    public struct Entry: Hashable, Sendable, Codable {
        public var account: ReportAccount
        public var ourSales: Money
        /// The tier its sales put it in.
        public var tier: Tier
        /// The tier typed on the account, if any.
        public var recordedTier: Tier?
        /// Whether a tier is recorded and differs from the computed one.
        public var differs: Bool
    }

    public var range: PeriodRange
    /// Platinum first, lead last.
    public var tiers: [TierRow]
    /// Highest sales first.
    public var accounts: [Entry]
    public var ourSales: Money

    public init(_ data: ReportData, range: PeriodRange) {
        self.range = range
        var sales: [RecordID: Money] = [:]
        for account in data.accounts { sales[account.id] = Money(minorUnits: 0) }
        let inRange = data.shareRecords.filter { range.contains($0.period) }
        let quarters = Set(inRange.filter { $0.period.granularity == .quarter }.map { QuarterKey(account: $0.account, period: $0.period) })
        for record in inRange {
            if record.period.granularity == .month,
                quarters.contains(QuarterKey(account: record.account, period: record.period.quarter))
            {
                continue
            }
            sales[record.account] = (sales[record.account] ?? Money(minorUnits: 0)).adding(record.ourSales)
        }
        let tiers = ValuePyramid.tiers(byValue: sales)
        let byID = data.accountsByID
        let entries: [Entry] = sales.compactMap { id, amount in
            guard let account = byID[id], let tier = tiers[id] else { return nil }
            return Entry(
                account: ReportAccount(account), ourSales: amount, tier: tier, recordedTier: account.tier,
                differs: account.tier.map { $0 != tier } ?? false)
        }
        .sorted { ($1.ourSales, $0.account.name, $0.account.id) < ($0.ourSales, $1.account.name, $1.account.id) }
        let total = entries.reduce(Money(minorUnits: 0)) { $0.adding($1.ourSales) }
        accounts = entries
        ourSales = total
        self.tiers = Tier.allCases.map { tier in
            let here = entries.filter { $0.tier == tier }
            let amount = here.reduce(Money(minorUnits: 0)) { $0.adding($1.ourSales) }
            return TierRow(
                tier: tier, accounts: here.count, ourSales: amount,
                shareOfSales: (try? Share(ourSales: amount, customerSpend: total)) ?? nil,
                recorded: entries.filter { $0.recordedTier == tier }.count)
        }
    }

    private struct QuarterKey: Hashable {
        var account: RecordID
        var period: Period
    }
}

extension Period {
    /// The quarter this period lies in (a quarter is its own).
    public var quarter: Period {
        granularity == .quarter ? self : .quarter(year, (number - 1) / 3 + 1)
    }
}

extension Money {
    /// The sum, held at ``Money/maximum`` times 1,000 rather than overflowing.
    func adding(_ other: Money) -> Money {
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        return Money(minorUnits: overflow ? Int64.max : sum)
    }
}
