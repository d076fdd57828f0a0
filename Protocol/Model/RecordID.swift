import Foundation

/// The id of a record.
///
/// Most records get a fresh random id when created, so records that are only
/// ever added (activities, stage changes) merge without conflict. A record with
/// a natural key gets an id derived from it, so two reps recording the same
/// thing meet in one record: see ``shareRecord(account:period:)``.
public struct RecordID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The longest id accepted.
    public static let maximumLength = 120

    public let rawValue: String

    /// An id from a string, or `nil` when it is empty, too long, or has
    /// characters other than ASCII letters, digits, `-`, `_` and `:`.
    public init?(rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= Self.maximumLength,
            rawValue.utf8.allSatisfy({ Self.allowed($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    init(unchecked rawValue: String) { self.rawValue = rawValue }

    private static func allowed(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D || byte == 0x5F || byte == 0x3A
    }

    /// A fresh random id (a lower-case UUID).
    public static func random() -> RecordID {
        RecordID(unchecked: UUID().uuidString.lowercased())
    }

    /// The id of the share record of `account` for `period`: the same on every
    /// laptop, so two reps recording one period meet in one record and any
    /// disagreement shows as a conflict.
    public static func shareRecord(account: RecordID, period: Period) -> RecordID {
        RecordID(unchecked: "\(account.rawValue):\(period.rawValue)")
    }

    public var description: String { rawValue }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let id = RecordID(rawValue: string) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(string.prefix(80))' is not a record id: use 1 to \(Self.maximumLength) letters, digits, '-', '_' or ':'")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
