/// The value of one field as it is stored and sent: text, a whole number, or
/// nothing (a cleared field).
///
/// Typed values map onto these: stages, tiers and other names are text; a
/// share is a whole number of basis points; money is a whole number of minor
/// units (cents). Whole numbers keep every comparison exact.
public enum FieldValue: Hashable, Sendable, CustomStringConvertible {
    case text(String)
    case integer(Int64)
    case null

    public var text: String? {
        if case .text(let string) = self { string } else { nil }
    }

    public var integer: Int64? {
        if case .integer(let number) = self { number } else { nil }
    }

    public var isNull: Bool { self == .null }

    public var description: String {
        switch self {
        case .text(let string): string
        case .integer(let number): String(number)
        case .null: "(none)"
        }
    }
}

extension FieldValue: Codable {
    /// Encoded as a bare JSON string, integer or null.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let number = try? container.decode(Int64.self) {
            self = .integer(number)
        } else if let string = try? container.decode(String.self) {
            self = .text(string)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a field value is a string, a whole number or null")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let string): try container.encode(string)
        case .integer(let number): try container.encode(number)
        case .null: try container.encodeNil()
        }
    }
}
