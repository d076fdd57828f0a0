/// One event: the `counter`-th edit made at `replica`.
///
/// Every local edit of a field gets a fresh dot. The counter of a replica only
/// grows, and it is stored in the same transaction as the edit, so a dot names
/// exactly one write in the whole system.
public struct Dot: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let replica: ReplicaID
    public let counter: UInt64

    /// The highest counter a dot may have: stores hold counters as signed
    /// 64-bit integers, and no laptop edits 2^63 times.
    public static let maximumCounter = UInt64(Int64.max)

    /// Creates a dot. The counter starts at 1; 0 means "nothing seen" in a
    /// version vector and is never a dot.
    public init(replica: ReplicaID, counter: UInt64) {
        precondition(counter > 0, "a dot's counter starts at 1")
        self.replica = replica
        self.counter = counter
    }

    public var description: String { "\(replica):\(counter)" }

    /// Dots are ordered by replica, then counter. The order only makes the
    /// stored form canonical; it never decides between values.
    public static func < (lhs: Dot, rhs: Dot) -> Bool {
        (lhs.replica, lhs.counter) < (rhs.replica, rhs.counter)
    }

    enum CodingKeys: String, CodingKey {
        case replica = "r"
        case counter = "c"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let replica = try container.decode(ReplicaID.self, forKey: .replica)
        let counter = try container.decode(UInt64.self, forKey: .counter)
        guard counter > 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .counter, in: container, debugDescription: "a dot's counter starts at 1")
        }
        guard counter <= Self.maximumCounter else {
            throw DecodingError.dataCorruptedError(
                forKey: .counter, in: container, debugDescription: "a dot's counter is at most \(Self.maximumCounter)")
        }
        self.init(replica: replica, counter: counter)
    }
}

/// Hands out the dots of one replica, in order.
///
/// The client keeps the counter in its replica file and saves it in the same
/// transaction as the edits that used the dots.
public struct DotClock: Hashable, Sendable, Codable {
    public let replica: ReplicaID
    /// The counter of the last dot handed out (0 before the first).
    public private(set) var counter: UInt64

    public init(replica: ReplicaID, counter: UInt64 = 0) {
        self.replica = replica
        self.counter = counter
    }

    /// The next dot of this replica.
    public mutating func next() -> Dot {
        counter += 1
        return Dot(replica: replica, counter: counter)
    }
}
