/// Why a pushed state would forge history. The server refuses the whole push
/// with the matching error and merges nothing from it.
public enum HistoryViolation: Error, Hashable, Sendable, CustomStringConvertible {
    /// A new write by a replica that does not belong to the pushing user.
    case foreignDot(Dot, field: String?)
    /// A version vector that claims writes the server has never seen.
    case unseenHistory(replica: ReplicaID, counter: UInt64, field: String?)
    /// A counter the replica already used, now with another write: the replica
    /// was restored from a backup and must re-register.
    case reusedCounter(Dot, field: String?)
    /// A state without a new write that would still remove a stored value:
    /// only a write may replace a value.
    case removalWithoutWrite(field: String?)

    /// The stable error code sent to the client.
    public var code: String {
        switch self {
        case .foreignDot: "foreign-dot"
        case .unseenHistory: "unseen-history"
        case .reusedCounter: "replica-reused-counter"
        case .removalWithoutWrite: "removal-without-write"
        }
    }

    public var description: String {
        switch self {
        case .foreignDot(let dot, let field):
            "the push contains a new write \(dot)\(Self.on(field)) by replica \(dot.replica), which does not belong to you"
        case .unseenHistory(let replica, let counter, let field):
            "the push claims to have seen write \(replica):\(counter)\(Self.on(field)), which the server has never received"
        case .reusedCounter(let dot, let field):
            "replica \(dot.replica) used counter \(dot.counter)\(Self.on(field)) a second time: this laptop's replica was probably restored from a backup. Nothing was merged; start a new replica with 'kam init --home NEW-FOLDER' and re-enter what is missing"
        case .removalWithoutWrite(let field):
            "the push would remove a value\(Self.on(field)) without writing a new one: only a new write replaces a value"
        }
    }

    private static func on(_ field: String?) -> String { field.map { " on field '\($0.prefix(40))'" } ?? "" }
}

/// Checks pushed states against what the server holds, so no client can forge
/// history.
///
/// - A pushed state may add new writes (dots the server's state of that field
///   does not cover) only for replicas of the pushing user.
/// - Such a new write must have a counter above the highest the server has
///   processed for that replica before this push; a lower one is a reused
///   counter (a restored backup). A dot the field already covers is a retry,
///   and so is a dot the server refused before (``refusedDots``): it was
///   processed, but never merged.
/// - A state that adds no new write may not change what is stored: only a
///   write replaces a value.
/// - A version vector (of a field, or carried by a delete) may not claim writes
///   of other replicas beyond what the server has seen.
/// - The same dot with a different value is a reused counter.
public struct HistoryCheck: Sendable {
    /// The replicas registered to the pushing user.
    public let pusherReplicas: Set<ReplicaID>
    /// The highest counter the server has processed per replica, before this push.
    public let highestCounters: [ReplicaID: UInt64]
    /// Writes the server refused earlier: sending them again is a retry.
    public let refusedDots: Set<Dot>

    public init(pusherReplicas: Set<ReplicaID>, highestCounters: [ReplicaID: UInt64], refusedDots: Set<Dot> = []) {
        self.pusherReplicas = pusherReplicas
        self.highestCounters = highestCounters
        self.refusedDots = refusedDots
    }

    /// The first violation in `pushed`, checked against the server's `stored`
    /// state of the same record (`nil` when the server has never seen it).
    public func violation(in pushed: RecordState, stored: RecordState?) -> HistoryViolation? {
        let stored = stored ?? RecordState(kind: pushed.kind, id: pushed.id)
        for (name, register) in pushed.fields.sorted(by: { $0.key < $1.key }) {
            if let violation = check(register, against: stored[name], field: name) { return violation }
        }
        if let violation = check(pushed.existence, against: stored.existence, field: nil) { return violation }
        // A delete may only claim to have seen field writes the server knows of.
        let known = stored.fieldsContext.joined(with: pushed.fieldsContext)
        for sibling in pushed.existence.siblings where !stored.existence.context.covers(sibling.dot) {
            guard case .deleted(let seen) = sibling.value else { continue }
            for (replica, counter) in seen.sortedCounters {
                let limit = pusherReplicas.contains(replica) && replica == sibling.dot.replica
                    ? max(known[replica], sibling.dot.counter) : known[replica]
                if counter > limit { return .unseenHistory(replica: replica, counter: counter, field: nil) }
            }
        }
        return nil
    }

    private func check<Value>(_ pushed: Register<Value>, against stored: Register<Value>, field: String?) -> HistoryViolation? {
        if let dot = stored.reusedDots(comparedWith: pushed).first { return .reusedCounter(dot, field: field) }
        var newest: [ReplicaID: UInt64] = [:]
        for dot in pushed.siblingDots(notCoveredBy: stored.context) {
            guard pusherReplicas.contains(dot.replica) else { return .foreignDot(dot, field: field) }
            guard dot.counter > highestCounters[dot.replica, default: 0] || refusedDots.contains(dot) else {
                return .reusedCounter(dot, field: field)
            }
            newest[dot.replica] = max(newest[dot.replica, default: 0], dot.counter)
        }
        for (replica, counter) in pushed.context.sortedCounters
        where counter > max(stored.context[replica], newest[replica, default: 0]) {
            return .unseenHistory(replica: replica, counter: counter, field: field)
        }
        if newest.isEmpty, stored.joined(with: pushed) != stored { return .removalWithoutWrite(field: field) }
        return nil
    }

    /// The highest counter per replica among the writes `pushed` adds to
    /// `stored`: what the server records as processed once the push is taken.
    public static func newCounters(in pushed: RecordState, stored: RecordState?) -> [ReplicaID: UInt64] {
        let stored = stored ?? RecordState(kind: pushed.kind, id: pushed.id)
        var result: [ReplicaID: UInt64] = [:]
        func note(_ dots: [Dot]) {
            for dot in dots { result[dot.replica] = max(result[dot.replica, default: 0], dot.counter) }
        }
        for (name, register) in pushed.fields { note(register.siblingDots(notCoveredBy: stored[name].context)) }
        note(pushed.existence.siblingDots(notCoveredBy: stored.existence.context))
        return result
    }
}
