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
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    public private(set) var counters: [ReplicaID: UInt64]

    public init() { counters = [:] }

    /// A vector from explicit counters; zero entries are dropped.
    public init(_ counters: [ReplicaID: UInt64]) {
        self.counters = counters.filter { $0.value > 0 }
    }

    /// The vector that has seen exactly up to `dot` at `dot.replica`.
    public init(_ dot: Dot) {
        counters = [dot.replica: dot.counter]
    }

    /// The highest counter seen from `replica`, 0 if none.
    public subscript(replica: ReplicaID) -> UInt64 {
        counters[replica] ?? 0
    }

    public var isEmpty: Bool { counters.isEmpty }

    /// Whether the event `dot` is part of this history.
    public func covers(_ dot: Dot) -> Bool {
        self[dot.replica] >= dot.counter
    }

    /// Whether every event of `other` is part of this history.
    public func covers(_ other: VersionVector) -> Bool {
        other.counters.allSatisfy { self[$0.key] >= $0.value }
    }

    /// Adds one event to the history.
    public mutating func add(_ dot: Dot) {
        if dot.counter > self[dot.replica] {
            counters[dot.replica] = dot.counter
        }
    }

    /// The least upper bound: every event seen by either history.
    public func joined(with other: VersionVector) -> VersionVector {
        var result = self
        result.join(other)
        return result
    }

    /// Joins `other` into this vector.
    public mutating func join(_ other: VersionVector) {
        counters.merge(other.counters, uniquingKeysWith: max)
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
        "{" + counters.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ", ") + "}"
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
