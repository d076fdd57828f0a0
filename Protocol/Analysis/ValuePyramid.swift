/// The customer pyramid by value: platinum is the top 1 % of customers, gold
/// the next 4 %, iron the next 15 %, lead the remaining 80 %.
public enum ValuePyramid {
    /// The cumulative share of customers at the bottom of each tier.
    static let cutoffs: [(Tier, Double)] = [(.platinum, 0.01), (.gold, 0.05), (.iron, 0.20)]

    /// The tier of each account by its value, highest first.
    ///
    /// With `n` accounts, the top `ceil(n × 1 %)` are platinum, and so on down;
    /// the highest-valued account is always platinum. Equal values share the
    /// better tier. Ties in order are broken by id so the result is stable.
    /// An account that brought nothing is lead, whatever its rank: with no
    /// sales at all, every account is lead.
    public static func tiers(byValue values: [RecordID: Money]) -> [RecordID: Tier] {
        let ranked = values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let count = ranked.count
        var result: [RecordID: Tier] = [:]
        var previous: (Money, Tier)?
        for (index, entry) in ranked.enumerated() {
            var tier = Tier.lead
            for (candidate, cutoff) in cutoffs where index < Int((Double(count) * cutoff).rounded(.up)) {
                tier = candidate
                break
            }
            if let (value, better) = previous, value == entry.value { tier = better }
            if entry.value.minorUnits == 0 { tier = .lead }
            result[entry.key] = tier
            previous = (entry.value, tier)
        }
        return result
    }
}
