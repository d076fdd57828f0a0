/// The days a report covers, both ends included; an open end reaches as far
/// as the records go.
public struct DayRange: Hashable, Sendable, Codable {
    public var from: Day?
    public var to: Day?

    public init(from: Day? = nil, to: Day? = nil) throws(ReportError) {
        if let from, let to, to < from { throw .emptyRange(from: from.text, to: to.text) }
        self.from = from
        self.to = to
    }

    public func contains(_ day: Day) -> Bool {
        (from.map { $0 <= day } ?? true) && (to.map { day <= $0 } ?? true)
    }

    /// The quarter `today` falls in, up to `today`: "this quarter".
    public static func quarterToDate(_ today: Day) -> DayRange {
        let quarter = today.quarter
        // A range from a quarter's first day to a day in it is never empty.
        return try! DayRange(from: Day(year: quarter.year, month: quarter.firstMonth, day: 1), to: today)
    }
}

/// The periods a report covers, both ends included: a share record counts
/// when all of its months lie between the first month of `from` and the last
/// month of `to`.
public struct PeriodRange: Hashable, Sendable, Codable {
    public var from: Period
    public var to: Period

    public init(from: Period, to: Period) throws(ReportError) {
        guard from.firstMonthIndex <= to.lastMonthIndex else { throw .emptyRange(from: from.text, to: to.text) }
        self.from = from
        self.to = to
    }

    public func contains(_ period: Period) -> Bool {
        from.firstMonthIndex <= period.firstMonthIndex && period.lastMonthIndex <= to.lastMonthIndex
    }

    /// The last four quarters that have ended by `today`.
    public static func lastFourQuarters(before today: Day) -> PeriodRange {
        fourQuarters(endingWith: today.quarter.previous)
    }

    /// The four quarters ending with the quarter of `last`.
    static func fourQuarters(endingWith last: Period) -> PeriodRange {
        let to = last.quarter
        return try! PeriodRange(from: to.previous.previous.previous, to: to)
    }

    /// The range as asked: both ends, or four quarters from or to the one
    /// given, or the last four quarters that have ended by `today`.
    public static func asked(from: Period?, to: Period?, today: Day) throws(ReportError) -> PeriodRange {
        switch (from, to) {
        case let (from?, to?): return try PeriodRange(from: from, to: to)
        // Four quarters from an end near the edge of the calendar stop at its edge (1900 to 2999, as periods are typed).
        case let (from?, nil):
            var last = from.quarter
            for _ in 0..<3 { last = last.next }
            return try PeriodRange(from: from, to: min(last, .quarter(2999, 4)))
        case let (nil, to?): return try PeriodRange(from: max(fourQuarters(endingWith: to).from, .quarter(1900, 1)), to: to)
        case (nil, nil): return lastFourQuarters(before: today)
        }
    }
}

/// Why a report cannot be made as asked.
public enum ReportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The end of the range lies before its start.
    case emptyRange(from: String, to: String)

    public var description: String {
        switch self {
        case .emptyRange(let from, let to): "the range \(from) to \(to) is empty: 'to' must not lie before 'from'"
        }
    }
}

extension Period {
    /// The period after this one.
    public var next: Period {
        switch granularity {
        case .quarter: number == 4 ? .quarter(year + 1, 1) : .quarter(year, number + 1)
        case .month: number == 12 ? .month(year + 1, 1) : .month(year, number + 1)
        }
    }

    /// Months counted from year 0: the period's first month.
    var firstMonthIndex: Int { year * 12 + firstMonth - 1 }
    /// Months counted from year 0: the period's last month.
    var lastMonthIndex: Int { firstMonthIndex + (granularity == .quarter ? 2 : 0) }
}
