import Foundation

/// A calendar day as people write it, `2026-11-23`: the date of an activity.
///
/// A day has no time zone: the rep's own calendar day is what the record means.
public struct Day: Hashable, Comparable, Sendable, TypedText, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A day from `YYYY-MM-DD` (years 1900–2999), checked against the calendar.
    public init(parsing text: String) throws(DomainError) {
        let parts = text.trimmingSpaces().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1900...2999).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day)
        else { throw .badDay(text) }
        self.year = year
        self.month = month
        self.day = day
    }

    /// A day the caller knows to be on the calendar.
    init(year: Int, month: Int, day: Int) {
        precondition((1...12).contains(month) && (1...Self.daysIn(month: month, year: year)).contains(day))
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day an instant falls on in UTC: a stage change's day in reports.
    public init(_ timestamp: Timestamp) {
        let days = timestamp.rawValue >= 0 ? timestamp.rawValue / 86_400_000 : (timestamp.rawValue + 1) / 86_400_000 - 1
        let (year, month, day) = Timestamp.civil(daysSince1970: days)
        self.init(year: Int(year), month: Int(month), day: Int(day))
    }

    /// Today in UTC, the calendar reports count stage changes in: the server
    /// and every laptop agree on it whatever their time zone or locale.
    public static func today() -> Day {
        Day(Timestamp.now())
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The quarter this day falls in.
    public var quarter: Period { .quarter(year, (month - 1) / 3 + 1) }

    public var description: String {
        "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    public static func < (lhs: Day, rhs: Day) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var text: String { description }
    public static let fieldType = FieldType.day
}
