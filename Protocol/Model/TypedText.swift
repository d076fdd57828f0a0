/// A value that people type and read as text, like `2026-Q3` or `2026-11-23`.
///
/// It is encoded in JSON, and stored in a field, as that same text; reading
/// it back checks it exactly as typed input is checked.
public protocol TypedText: Codable, FieldValueConvertible {
    /// The value from text as a person types it.
    init(parsing text: String) throws(DomainError)
    /// The canonical text of the value.
    var text: String { get }
    /// The field type that holds it.
    static var fieldType: FieldType { get }
}

extension TypedText {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public init(fieldValue: FieldValue, field: String) throws(DomainError) {
        guard let text = fieldValue.text else { throw .wrongType(field: field, expected: Self.fieldType.expected) }
        try self.init(parsing: text)
    }

    public var fieldValue: FieldValue { .text(text) }
}
