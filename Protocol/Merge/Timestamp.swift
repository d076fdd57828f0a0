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

    /// The instant `date`, truncated to milliseconds (clamped to what an Int64 holds).
    public init(_ date: Date) {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        if millis.isNaN {
            rawValue = 0
        } else if millis >= 9.2e18 {
            rawValue = .max
        } else if millis <= -9.2e18 {
            rawValue = .min
        } else {
            rawValue = Int64(millis)
        }
    }

    /// The current wall-clock time.
    public static func now() -> Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(rawValue) / 1000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-11-23T09:30:00.000Z`.
    ///
    /// Defined for every value: a timestamp comes from another laptop's clock
    /// (or from anyone who can reach the server), so an instant outside the
    /// years 1 to 9999 is shown as its raw number, `-9223372036854775808 ms`.
    public var description: String {
        // Floored division, written so that no step can overflow for any Int64.
        var days = rawValue / 86_400_000
        var millis = rawValue % 86_400_000
        if millis < 0 {
            days -= 1
            millis += 86_400_000
        }
        let (year, month, day) = Self.civil(daysSince1970: days)
        guard (1...9999).contains(year) else { return "\(rawValue) ms" }
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        func four(_ n: Int64) -> String { String(repeating: "0", count: 4 - String(n).count) + String(n) }
        let ms = millis % 1000
        let fraction = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(four(year))-\(two(month))-\(two(day))T\(two(millis / 3_600_000)):\(two(millis / 60_000 % 60)):\(two(millis / 1000 % 60)).\(fraction)Z"
    }

    /// The proleptic Gregorian date of a day count (Howard Hinnant's algorithm).
    /// Every day count a Timestamp can hold (about ±1.07e11) stays far from overflow here.
    static func civil(daysSince1970 days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The instants a timestamp from outside may name: the years 1970 to 9999.
    /// A laptop's clock can be wrong, but not by millennia.
    public static let validRange: ClosedRange<Int64> = 0...253_402_300_799_999

    /// Reads any whole number of milliseconds: what a stored or pulled state
    /// holds is read as it is, and the schema check refuses a time outside
    /// ``validRange`` where it is written (``RecordSchema/check(_:)``).
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
