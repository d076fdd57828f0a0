/// Decline as the lifecycle material defines it: our volume with the customer
/// falls, gradually or sharply, while the customer's own total volume in the
/// category does not fall. A signal computed from share records, never a
/// field anyone types.
public struct Decline: Hashable, Sendable {
    public enum Pace: String, Hashable, Sendable {
        /// Our sales fell by at least ``DeclineSignal/sharpDrop`` in one period.
        case sharp
        /// Our sales fell in several periods in a row.
        case gradual
        /// One smaller fall: worth watching.
        case onset
    }

    public let account: RecordID
    /// The latest period compared.
    public let period: Period
    /// How many periods in a row our sales fell while the customer's spend did not.
    public let periods: Int
    /// Our sales at the start of the falling run and in the latest period.
    public let ourSalesFrom: Money
    public let ourSalesTo: Money
    public let pace: Pace

    /// The fall over the run, as a share of where it started (0.25 = 25 %).
    public var drop: Double {
        ourSalesFrom.minorUnits == 0 ? 0 : 1 - Double(ourSalesTo.minorUnits) / Double(ourSalesFrom.minorUnits)
    }
}

/// Computes the decline signal.
public enum DeclineSignal {
    /// A fall of a quarter or more in one period counts as sharp.
    public static let sharpDrop = 0.25

    /// Whether an account is in decline, from its share records.
    ///
    /// Only records of the granularity of the latest one are compared, and only
    /// consecutive periods. The run counts back from the latest period while
    /// each period has lower sales than the one before and a customer spend
    /// that is not lower.
    public static func evaluate(account: RecordID, records: [ShareRecord]) -> Decline? {
        guard let latest = records.max(by: { $0.period < $1.period }) else { return nil }
        var byPeriod: [Period: ShareRecord] = [:]
        for record in records where record.period.granularity == latest.period.granularity {
            byPeriod[record.period] = record
        }
        var current = latest
        var run = 0
        var sharpStep = false
        while let previous = byPeriod[current.period.previous],
            current.ourSales < previous.ourSales, current.customerSpend >= previous.customerSpend
        {
            let step = 1 - Double(current.ourSales.minorUnits) / Double(previous.ourSales.minorUnits)
            if step >= sharpDrop { sharpStep = true }
            run += 1
            current = previous
        }
        guard run > 0 else { return nil }
        let pace: Decline.Pace = sharpStep ? .sharp : (run >= 2 ? .gradual : .onset)
        return Decline(
            account: account, period: latest.period, periods: run, ourSalesFrom: current.ourSales,
            ourSalesTo: latest.ourSales, pace: pace)
    }
}
