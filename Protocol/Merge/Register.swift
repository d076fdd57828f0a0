/// A dotted multi-value register: the state of one editable field.
///
/// It holds the values that are current (`siblings`, each with the dot that
/// wrote it) and a version vector (`context`) of every write to this field the
/// holder has seen.
///
/// - A local write replaces every sibling: the writer has seen them all.
/// - ``join(_:)`` keeps a sibling of one side when the other side has it too or
///   has not seen its dot. Join is commutative, associative and idempotent,
///   which is what makes sync safe to retry, reorder, resume and repeat.
/// - Two or more siblings are a conflict: people changed the field without
///   seeing each other's change. Both are kept until someone writes again.
/// - Wall-clock time never picks a winner.
///
/// Siblings are kept sorted by dot so equal states compare equal.
public struct Register<Value: Hashable & Sendable>: Hashable, Sendable {
    public private(set) var siblings: [Sibling<Value>]
    public private(set) var context: VersionVector

    /// The register no one has written.
    public init() {
        siblings = []
        context = VersionVector()
    }

    /// A register from its parts, checked: every sibling's dot must be covered
    /// by `context` and appear once, and no replica may have two siblings.
    public init(siblings: [Sibling<Value>], context: VersionVector) throws(RegisterError) {
        let sorted = siblings.count < 2 ? siblings : siblings.sorted { $0.dot < $1.dot }
        for (index, sibling) in sorted.enumerated() {
            guard context.covers(sibling.dot) else { throw .siblingNotInContext(sibling.dot) }
            // Sorted by dot, two siblings of one replica stand side by side.
            if index > 0, sorted[index - 1].dot.replica == sibling.dot.replica {
                throw .twoSiblingsFromOneReplica(sibling.dot.replica)
            }
        }
        self.siblings = sorted
        self.context = context
    }

    // Closures, not key paths, in this generic type's hot paths: a key path
    // through a generic parameter is instantiated anew on every call.

    /// The current values, in dot order.
    public var values: [Value] { siblings.map { $0.value } }

    /// Whether the field was never written (or only seen, never held).
    public var isEmpty: Bool { siblings.isEmpty }

    /// The distinct current values, in dot order.
    public var distinctValues: [Value] {
        var seen = Set<Value>()
        return siblings.compactMap { seen.insert($0.value).inserted ? $0.value : nil }
    }

    /// Whether people wrote different values concurrently and no one has
    /// settled it. Concurrent writes of the same value are kept as siblings
    /// (the merge needs their dots) but they agree, so they are no conflict.
    public var isConflicted: Bool {
        siblings.count > 1 && siblings.dropFirst().contains { $0.value != siblings[0].value }
    }

    /// The current value when there is exactly one, or all siblings agree;
    /// `nil` when empty or in conflict.
    public var value: Value? { siblings.isEmpty || isConflicted ? nil : siblings[0].value }

    /// Records a local write of `value` with the fresh dot `dot`.
    ///
    /// The register becomes that one value: the writer has seen every sibling it
    /// replaces. Resolving a conflict is exactly this.
    public mutating func write(_ value: Value, dot: Dot, at: Timestamp) {
        precondition(!context.covers(dot), "dot \(dot) was already used for this field")
        // Overwriting the one sibling in place spares an allocation on the most common write.
        if siblings.count == 1 { siblings[0] = Sibling(dot: dot, value: value, at: at) } else { siblings = [Sibling(dot: dot, value: value, at: at)] }
        context.add(dot)
    }

    /// Joins `other` into this register.
    public mutating func join(_ other: Register<Value>) {
        self = joined(with: other)
    }

    /// The join of two states of the same field.
    ///
    /// A sibling survives when the other side holds it too or has not seen its
    /// dot; the context is the union of both. Two states that hold the same dot
    /// with different values come from a reused counter, which the server
    /// refuses before joining (``reusedDots(comparedWith:)``).
    public func joined(with other: Register<Value>) -> Register<Value> {
        var kept: [Sibling<Value>] = []
        kept.reserveCapacity(siblings.count + other.siblings.count)
        var i = siblings.startIndex
        var j = other.siblings.startIndex
        // Both sides are sorted by dot: walk them together.
        while i < siblings.endIndex || j < other.siblings.endIndex {
            if j == other.siblings.endIndex || (i < siblings.endIndex && siblings[i].dot < other.siblings[j].dot) {
                let mine = siblings[i]
                if !other.context.covers(mine.dot) { kept.append(mine) }
                i += 1
            } else if i == siblings.endIndex || other.siblings[j].dot < siblings[i].dot {
                let theirs = other.siblings[j]
                if !context.covers(theirs.dot) { kept.append(theirs) }
                j += 1
            } else {
                kept.append(siblings[i])
                i += 1
                j += 1
            }
        }
        var result = Register()
        result.siblings = kept
        result.context = context.joined(with: other.context)
        return result
    }

    /// Dots both states hold as siblings but with different values or times.
    ///
    /// A dot names one write, so this only happens when a replica reused a
    /// counter (a laptop restored from a backup). Such a state must never be
    /// joined silently.
    public func reusedDots(comparedWith other: Register<Value>) -> [Dot] {
        var mine: [Dot: Sibling<Value>] = [:]
        for sibling in siblings { mine[sibling.dot] = sibling }
        return other.siblings.compactMap { theirs in
            guard let sibling = mine[theirs.dot], sibling != theirs else { return nil }
            return theirs.dot
        }
    }

    /// The dots of siblings this state holds that are newer than anything in `seen`.
    public func siblingDots(notCoveredBy seen: VersionVector) -> [Dot] {
        siblings.compactMap { seen.covers($0.dot) ? nil : $0.dot }
    }
}

/// Why a register read from outside is not a valid state.
public enum RegisterError: Error, Hashable, Sendable, CustomStringConvertible {
    case siblingNotInContext(Dot)
    case twoSiblingsFromOneReplica(ReplicaID)

    public var description: String {
        switch self {
        case .siblingNotInContext(let dot):
            "the value written by \(dot) is not covered by the register's version vector"
        case .twoSiblingsFromOneReplica(let replica):
            "replica \(replica) has two current values in one register; a replica always sees its own writes"
        }
    }
}

extension Register: Codable where Value: Codable {
    enum CodingKeys: String, CodingKey {
        case siblings = "s"
        case context = "vv"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let siblings = try container.decode([Sibling<Value>].self, forKey: .siblings)
        let context = try container.decode(VersionVector.self, forKey: .context)
        do {
            try self.init(siblings: siblings, context: context)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .siblings, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(siblings, forKey: .siblings)
        try container.encode(context, forKey: .context)
    }
}
