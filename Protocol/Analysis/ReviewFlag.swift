/// A record a person should look at: an invariant across fields that honest
/// concurrent edits broke. The merge keeps both edits; the product flags them
/// and never "fixes" them silently.
public enum ReviewFlag: Hashable, Sendable, CustomStringConvertible {
    /// The account's share does not lie in the band of its stage.
    case shareOutsideStageBand(account: RecordID, stage: Stage, share: Share)
    /// The share of the account's latest share record does not lie in the band of its stage.
    case recordedShareOutsideStageBand(account: RecordID, stage: Stage, period: Period, share: Share)
    /// A share record whose sales exceed the customer's spend (two reps typed different figures).
    case salesExceedSpend(account: RecordID, period: Period)

    public var account: RecordID {
        switch self {
        case .shareOutsideStageBand(let account, _, _), .recordedShareOutsideStageBand(let account, _, _, _),
            .salesExceedSpend(let account, _):
            account
        }
    }

    /// A short name for the flag, stable for JSON output.
    public var code: String {
        switch self {
        case .shareOutsideStageBand: "share-outside-stage-band"
        case .recordedShareOutsideStageBand: "recorded-share-outside-stage-band"
        case .salesExceedSpend: "sales-exceed-spend"
        }
    }

    public var description: String {
        switch self {
        case .shareOutsideStageBand(_, let stage, let share):
            "share \(share) does not fit stage \(stage) (\(stage.band))"
        case .recordedShareOutsideStageBand(_, let stage, let period, let share):
            "share \(share) recorded for \(period) does not fit stage \(stage) (\(stage.band))"
        case .salesExceedSpend(_, let period):
            "the share record for \(period) has our sales above the customer's spend"
        }
    }
}

/// Checks the invariants across fields over merged state.
public enum ReviewFlags {
    /// The flags of one account, given its merged state and the merged states
    /// of its share records.
    ///
    /// Every current value counts: if the stage or the share is in conflict,
    /// each combination that breaks the band is flagged, so that settling the
    /// conflict is what clears the flag.
    public static func evaluate(account: RecordState, shareRecords: [RecordState] = []) -> [ReviewFlag] {
        precondition(account.kind == .account)
        guard account.status.isVisible else { return [] }
        let stages = account["stage"].values.compactMap { try? Stage(fieldValue: $0, field: "stage") }
        let shares = account["share"].values.compactMap { try? Share(fieldValue: $0, field: "share") }
        var flags: Set<ReviewFlag> = []
        for stage in stages {
            for share in shares where !stage.band.contains(share) {
                flags.insert(.shareOutsideStageBand(account: account.id, stage: stage, share: share))
            }
        }
        let records = shareRecords.filter { $0.status.isVisible }.compactMap { try? ShareRecord(state: $0) }
        for record in records where record.ourSales > record.customerSpend {
            flags.insert(.salesExceedSpend(account: account.id, period: record.period))
        }
        if let latest = records.max(by: { $0.period < $1.period }), let share = latest.share {
            for stage in stages where !stage.band.contains(share) {
                flags.insert(.recordedShareOutsideStageBand(
                    account: account.id, stage: stage, period: latest.period, share: share))
            }
        }
        return flags.sorted { $0.description < $1.description }
    }
}
