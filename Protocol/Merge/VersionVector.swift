/// How two causal histories relate.
public enum CausalOrder: Sendable, Hashable {
    /// The left history is strictly contained in the right one.
    case before
    /// The left history strictly contains the right one.
    case after
    /// Both histories are the same.
    case equal
    /// Each history has events the other has not seen.
    case concurrent
}

/// A summary of a causal history: for each replica, the highest counter seen.
///
/// In a field's register the vector says which writes to that field the holder
/// has seen: a dot `(r, n)` is covered when the entry for `r` is at least `n`.
/// Replicas with no entry have counter 0. The vector never stores zeros, so two
/// vectors with the same history are equal.
///
/// A vector names a few replicas (the laptops that wrote one field), so it is
/// kept as entries sorted by replica rather than a hash table: looking a
/// replica up compares a few ids instead of hashing one, and joining two
/// vectors walks both in order.
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    /// One replica's highest counter.
    struct Entry: Hashable, Sendable {
        var replica: ReplicaID
        var counter: UInt64
    }

    /// Sorted by replica, each replica once, no zero counters.
    private var entries: [Entry]

    public init() { entries = [] }

    /// A vector from explicit counters; zero entries are dropped.
    public init(_ counters: [ReplicaID: UInt64]) {
        entries = counters.compactMap { $0.value > 0 ? Entry(replica: $0.key, counter: $0.value) : nil }
        if entries.count > 1 { entries.sort { $0.replica < $1.replica } }
    }

    /// The vector that has seen exactly up to `dot` at `dot.replica`.
    public init(_ dot: Dot) {
        entries = [Entry(replica: dot.replica, counter: dot.counter)]
    }

    /// The highest counter seen from each replica.
    public var counters: [ReplicaID: UInt64] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.replica, $0.counter) })
    }

    /// The entries in replica order: what the binary forms write.
    public var sortedCounters: [(replica: ReplicaID, counter: UInt64)] { entries.map { ($0.replica, $0.counter) } }

    /// How many replicas the vector names.
    public var count: Int { entries.count }

    /// The highest counter seen from `replica`, 0 if none.
    public subscript(replica: ReplicaID) -> UInt64 {
        for entry in entries where entry.replica == replica { return entry.counter }
        return 0
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Whether the event `dot` is part of this history.
    public func covers(_ dot: Dot) -> Bool {
        self[dot.replica] >= dot.counter
    }

    /// Whether every event of `other` is part of this history.
    public func covers(_ other: VersionVector) -> Bool {
        // Both sorted: every entry of `other` must meet one of ours at least as high.
        var i = entries.startIndex
        for theirs in other.entries {
            while i < entries.endIndex, entries[i].replica < theirs.replica { i += 1 }
            guard i < entries.endIndex, entries[i].replica == theirs.replica, entries[i].counter >= theirs.counter else { return false }
            i += 1
        }
        return true
    }

    /// Adds one event to the history.
    public mutating func add(_ dot: Dot) {
        var index = entries.startIndex
        while index < entries.endIndex, entries[index].replica < dot.replica { index += 1 }
        if index < entries.endIndex, entries[index].replica == dot.replica {
            if dot.counter > entries[index].counter { entries[index].counter = dot.counter }
        } else {
            entries.insert(Entry(replica: dot.replica, counter: dot.counter), at: index)
        }
    }

    /// The least upper bound: every event seen by either history.
    public func joined(with other: VersionVector) -> VersionVector {
        if other.entries.isEmpty || entries == other.entries { return self }
        if entries.isEmpty { return other }
        var result: [Entry] = []
        result.reserveCapacity(entries.count + other.entries.count)
        var i = entries.startIndex
        var j = other.entries.startIndex
        while i < entries.endIndex || j < other.entries.endIndex {
            if j == other.entries.endIndex || (i < entries.endIndex && entries[i].replica < other.entries[j].replica) {
                result.append(entries[i])
                i += 1
            } else if i == entries.endIndex || other.entries[j].replica < entries[i].replica {
                result.append(other.entries[j])
                j += 1
            } else {
                result.append(Entry(replica: entries[i].replica, counter: max(entries[i].counter, other.entries[j].counter)))
                i += 1
                j += 1
            }
        }
        var vector = VersionVector()
        vector.entries = result
        return vector
    }

    /// Joins `other` into this vector.
    public mutating func join(_ other: VersionVector) {
        self = joined(with: other)
    }

    /// Compares two histories: before, after, equal or concurrent.
    public func compare(to other: VersionVector) -> CausalOrder {
        switch (other.covers(self), covers(other)) {
        case (true, true): .equal
        case (true, false): .before
        case (false, true): .after
        case (false, false): .concurrent
        }
    }

    public var description: String {
        "{" + entries.map { "\($0.replica):\($0.counter)" }.joined(separator: ", ") + "}"
    }
}

extension VersionVector: Codable {
    /// Encoded as a JSON object from replica id to counter.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let counters = try container.decode([ReplicaID: UInt64].self)
        guard counters.values.allSatisfy({ $0 <= Dot.maximumCounter }) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a version vector's counters are at most \(Dot.maximumCounter)")
        }
        self.init(counters)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(counters)
    }
}
