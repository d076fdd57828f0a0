/// An amount of money in minor units (cents): a customer's spend in our
/// category or our sales to them for a period. One currency per installation.
public struct Money: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let minorUnits: Int64

    /// The largest amount accepted: about 92 trillion in major units.
    public static let maximum = Money(minorUnits: Int64.max / 1_000)

    public init(minorUnits: Int64) {
        precondition(minorUnits >= 0, "money amounts are not negative")
        self.minorUnits = minorUnits
    }

    /// An amount as a person types it: digits with an optional decimal part of
    /// one or two digits (`1200000`, `1200000.5`, `1,200,000.50`).
    public init(parsing text: String) throws(DomainError) {
        let cleaned = text.trimmingSpaces().filter { $0 != "," && $0 != "_" }
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
            parts[0].allSatisfy(\.isASCIIDigit), parts.count == 1 || (1...2).contains(parts[1].count),
            parts.count == 1 || parts[1].allSatisfy(\.isASCIIDigit),
            let whole = Int64(parts[0])
        else { throw .amountNotANumber(text) }
        var fraction: Int64 = 0
        if parts.count == 2 {
            fraction = Int64(parts[1])! * (parts[1].count == 1 ? 10 : 1)
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 100)
        guard !overflow, scaled + fraction <= Money.maximum.minorUnits else { throw .amountTooLarge(text) }
        minorUnits = scaled + fraction
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minorUnits < rhs.minorUnits }

    /// The amount with thousands separators and cents when there are any:
    /// `1,200,000`, `1,200,000.50`.
    public var description: String {
        let whole = minorUnits / 100
        let cents = minorUnits % 100
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        grouped = digits + grouped
        return cents == 0 ? grouped : grouped + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    /// The amount without separators, as ``init(parsing:)`` reads it back and
    /// spreadsheets take it: `1200000`, `1200000.50`.
    public var plainText: String {
        let cents = minorUnits % 100
        return String(minorUnits / 100) + (cents == 0 ? "" : "." + (cents < 10 ? "0" : "") + String(cents))
    }

    /// In JSON an amount is its number of minor units.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let units = try container.decode(Int64.self)
        guard units >= 0 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "money amounts are not negative")
        }
        minorUnits = units
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(minorUnits)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
