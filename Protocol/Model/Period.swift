/// A reporting period for purchase-share records: a quarter (`2026-Q3`) or a
/// month (`2026-07`).
public struct Period: Hashable, Comparable, Sendable, TypedText, CustomStringConvertible {
    public enum Granularity: String, Hashable, Sendable {
        case quarter
        case month
    }

    public let year: Int
    /// 1–4 for a quarter, 1–12 for a month.
    public let number: Int
    public let granularity: Granularity

    public static func quarter(_ year: Int, _ quarter: Int) -> Period {
        precondition((1...4).contains(quarter))
        return Period(year: year, number: quarter, granularity: .quarter)
    }

    public static func month(_ year: Int, _ month: Int) -> Period {
        precondition((1...12).contains(month))
        return Period(year: year, number: month, granularity: .month)
    }

    private init(year: Int, number: Int, granularity: Granularity) {
        self.year = year
        self.number = number
        self.granularity = granularity
    }

    /// A period from `YYYY-Qn` or `YYYY-MM` (years 1900–2999).
    public init(parsing text: String) throws(DomainError) {
        let trimmed = text.trimmingSpaces().uppercased()
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[0].allSatisfy(\.isASCIIDigit),
            let year = Int(parts[0]), (1900...2999).contains(year)
        else { throw .badPeriod(text) }
        let tail = parts[1]
        if tail.count == 2, tail.first == "Q", let q = Int(tail.dropFirst()), (1...4).contains(q) {
            self = .quarter(year, q)
        } else if tail.count == 2, tail.allSatisfy(\.isASCIIDigit), let m = Int(tail), (1...12).contains(m) {
            self = .month(year, m)
        } else {
            throw .badPeriod(text)
        }
    }

    /// `2026-Q3` or `2026-07`.
    public var rawValue: String {
        switch granularity {
        case .quarter: "\(year)-Q\(number)"
        case .month: "\(year)-\(number < 10 ? "0" : "")\(number)"
        }
    }

    public var description: String { rawValue }

    /// The first month of the period, for ordering.
    var firstMonth: Int { granularity == .quarter ? (number - 1) * 3 + 1 : number }

    /// The period right before this one, of the same granularity.
    public var previous: Period {
        switch granularity {
        case .quarter: number == 1 ? .quarter(year - 1, 4) : .quarter(year, number - 1)
        case .month: number == 1 ? .month(year - 1, 12) : .month(year, number - 1)
        }
    }

    /// Periods are ordered by when they start; a quarter sorts before the
    /// first month it holds.
    public static func < (lhs: Period, rhs: Period) -> Bool {
        (lhs.year, lhs.firstMonth, lhs.granularity == .month ? 1 : 0)
            < (rhs.year, rhs.firstMonth, rhs.granularity == .month ? 1 : 0)
    }

    public var text: String { rawValue }
    public static let fieldType = FieldType.period
}
