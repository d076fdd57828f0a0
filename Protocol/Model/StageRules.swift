/// A stage change or stage/share pair that breaks the rules of the relationship stages.
public enum StageRuleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Moving forward more than one stage at a time.
    case skipsForward(from: Stage, to: Stage)
    /// The account is already at that stage.
    case unchanged(Stage)
    /// Moving back without saying why.
    case declineNeedsReason(from: Stage, to: Stage)
    /// A typed share that does not lie in the stage's band.
    case shareOutsideBand(stage: Stage, share: Share)

    public var description: String {
        switch self {
        case .skipsForward(let from, let to):
            "cannot move from \(from) to \(to): a relationship moves up one stage at a time; move to \(from.next.map(\.rawValue) ?? "the next stage") first"
        case .unchanged(let stage):
            "the account is already at stage \(stage)"
        case .declineNeedsReason(let from, let to):
            "moving back from \(from) to \(to) is a decline and must be recorded with a reason: add --reason"
        case .shareOutsideBand(let stage, let share):
            "share \(share) does not fit stage \(stage) (\(stage.band)): give a share in that band, or the stage it fits (\(Stage.stages(for: share).map(\.rawValue).joined(separator: " or ")))"
        }
    }
}

/// The rules of the relationship stages, as code.
public enum StageRules {
    /// Checks a stage change: forward exactly one stage, back any number of
    /// stages but only with a reason.
    public static func checkTransition(from: Stage, to: Stage, reason: String?) throws(StageRuleError) {
        if from == to { throw .unchanged(from) }
        if to > from {
            guard to == from.next else { throw .skipsForward(from: from, to: to) }
        } else if (reason ?? "").trimmingSpaces().isEmpty {
            throw .declineNeedsReason(from: from, to: to)
        }
    }

    /// Checks that a typed share lies in the band of `stage`. A share that
    /// breaks the band through a merge is never rejected; it is flagged
    /// (``ReviewFlag``).
    public static func checkShare(_ share: Share, fits stage: Stage) throws(StageRuleError) {
        guard stage.band.contains(share) else { throw .shareOutsideBand(stage: stage, share: share) }
    }

    /// Whether a stage change moves back.
    public static func isDecline(from: Stage, to: Stage) -> Bool { to < from }
}
