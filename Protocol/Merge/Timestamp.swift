import Foundation

/// A wall-clock instant in whole milliseconds since 1970-01-01T00:00:00Z.
///
/// Laptop clocks are wrong, so a timestamp is only ever shown to people ("who
/// wrote this, when"); it never decides which value wins. Whole milliseconds
/// survive every encoding exactly, so a state that went over the wire compares
/// equal to the one that was sent.
public struct Timestamp: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The instant `date`, truncated to milliseconds.
    public init(_ date: Date) {
        rawValue = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The current wall-clock time.
    public static func now() -> Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(rawValue) / 1000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-11-23T09:30:00.000Z`.
    public var description: String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
