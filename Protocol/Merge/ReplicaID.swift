import Foundation

/// The identity of one installation of the client (one laptop).
///
/// `kam init` gives every replica a fresh random id; a reinstall or a restored
/// backup is a new replica, and an id is never reused. Ids are short strings of
/// letters, digits, `-` and `_` so they can travel in JSON object keys and URLs.
public struct ReplicaID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The longest id accepted.
    public static let maximumLength = 64

    public let rawValue: String

    /// Creates an id from a string, or `nil` when it is empty, too long or has
    /// characters other than ASCII letters, digits, `-` and `_`.
    public init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// A fresh random id (128 random bits, as a lower-case UUID).
    public static func random() -> ReplicaID {
        ReplicaID(unchecked: UUID().uuidString.lowercased())
    }

    init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }

    static func isValid(_ string: String) -> Bool {
        guard !string.isEmpty, string.utf8.count <= maximumLength else { return false }
        return string.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let id = ReplicaID(rawValue: string) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(string.prefix(80))' is not a replica id: use 1 to \(Self.maximumLength) letters, digits, '-' or '_'"
            )
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension ReplicaID: CodingKeyRepresentable {
    public var codingKey: any CodingKey { ReplicaCodingKey(stringValue: rawValue) }

    public init?<T: CodingKey>(codingKey: T) {
        self.init(rawValue: codingKey.stringValue)
    }
}

private struct ReplicaCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
