/// A purchase share: our part of what the customer buys in our category.
///
/// Held as whole basis points (0 to 10,000, i.e. 0 % to 100 % in steps of
/// 0.01 %) so that band checks are exact.
public struct Share: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let basisPoints: Int

    public static let zero = Share(basisPoints: 0)
    public static let full = Share(basisPoints: 10_000)

    /// A share from basis points, which must lie in 0...10,000.
    public init(basisPoints: Int) {
        precondition((0...10_000).contains(basisPoints), "a share is 0 to 10,000 basis points")
        self.basisPoints = basisPoints
    }

    /// A share from a percentage as typed (e.g. `37.5`), rounded to 0.01 %.
    public init(percent: Double) throws(DomainError) {
        guard percent.isFinite, percent >= 0, percent <= 100 else {
            throw .shareOutOfRange(percent.isFinite ? Self.format(percent) : String(describing: percent))
        }
        basisPoints = Int((percent * 100).rounded())
    }

    /// A share from the text a person typed: a number from 0 to 100, with an
    /// optional `%`.
    public init(parsing text: String) throws(DomainError) {
        var trimmed = text.trimmingSpaces()
        if trimmed.hasSuffix("%") { trimmed = String(trimmed.dropLast()).trimmingSpaces() }
        guard let percent = Double(trimmed) else { throw .shareNotANumber(text) }
        try self.init(percent: percent)
    }

    /// The share our sales make of the customer's spend in the category, or
    /// `nil` when the customer spent nothing.
    public init?(ourSales: Money, customerSpend: Money) throws(DomainError) {
        guard customerSpend.minorUnits > 0 else { return nil }
        guard ourSales <= customerSpend else { throw .salesExceedSpend(ourSales: ourSales, customerSpend: customerSpend) }
        let ratio = Double(ourSales.minorUnits) / Double(customerSpend.minorUnits)
        basisPoints = Int((ratio * 10_000).rounded())
    }

    public var percent: Double { Double(basisPoints) / 100 }

    public static func < (lhs: Share, rhs: Share) -> Bool { lhs.basisPoints < rhs.basisPoints }

    /// The share as a person reads it: `37.5 %`, `80 %`.
    public var description: String { Self.format(percent) + " %" }

    /// The percentage alone, as ``init(parsing:)`` reads it back: `37.5`, `80`.
    public var percentText: String { Self.format(percent) }

    static func format(_ percent: Double) -> String {
        let hundredths = Int((percent * 100).rounded())
        let whole = hundredths / 100
        let fraction = abs(hundredths % 100)
        if fraction == 0 { return String(whole) }
        return fraction % 10 == 0 ? "\(whole).\(fraction / 10)" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// In JSON a share is its percentage, e.g. `37.5`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let percent = try container.decode(Double.self)
        do { try self.init(percent: percent) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(percent)
    }
}

extension String {
    func trimmingSpaces() -> String {
        // Printable ASCII at both ends is no space: nothing to trim, and no characters to walk.
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) { return self }
        return String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
