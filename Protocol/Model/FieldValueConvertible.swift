/// A typed value that is stored as a ``FieldValue``.
public protocol FieldValueConvertible: Sendable {
    /// The value read from a field named `field`.
    init(fieldValue: FieldValue, field: String) throws(DomainError)
    var fieldValue: FieldValue { get }
}

extension String: FieldValueConvertible {
    public init(fieldValue: FieldValue, field: String) throws(DomainError) {
        guard let text = fieldValue.text else { throw .wrongType(field: field, expected: "text") }
        self = text
    }

    public var fieldValue: FieldValue { .text(self) }
}

extension FieldValueConvertible where Self: RawRepresentable & CaseIterable, RawValue == String {
    public init(fieldValue: FieldValue, field: String) throws(DomainError) {
        let allowed = Self.allCases.map(\.rawValue)
        guard let text = fieldValue.text else { throw .wrongType(field: field, expected: "one of \(allowed.joined(separator: ", "))") }
        guard let value = Self(rawValue: text) else { throw .unknownValue(field: field, value: text, allowed: allowed) }
        self = value
    }

    public var fieldValue: FieldValue { .text(rawValue) }
}

extension Stage: FieldValueConvertible {}
extension Tier: FieldValueConvertible {}
extension BuyingRole: FieldValueConvertible {}
extension ActivityKind: FieldValueConvertible {}
extension OpportunityKind: FieldValueConvertible {}
extension OpportunityStatus: FieldValueConvertible {}

extension Share: FieldValueConvertible {
    public init(fieldValue: FieldValue, field: String) throws(DomainError) {
        guard let points = fieldValue.integer, (0...10_000).contains(points) else {
            throw .wrongType(field: field, expected: FieldType.share.expected)
        }
        self.init(basisPoints: Int(points))
    }

    public var fieldValue: FieldValue { .integer(Int64(basisPoints)) }
}

extension Money: FieldValueConvertible {
    public init(fieldValue: FieldValue, field: String) throws(DomainError) {
        guard let units = fieldValue.integer, units >= 0 else {
            throw .wrongType(field: field, expected: FieldType.money.expected)
        }
        self.init(minorUnits: units)
    }

    public var fieldValue: FieldValue { .integer(minorUnits) }
}

extension Timestamp: FieldValueConvertible {
    public init(fieldValue: FieldValue, field: String) throws(DomainError) {
        guard let millis = fieldValue.integer else { throw .wrongType(field: field, expected: FieldType.timestamp.expected) }
        self.init(rawValue: millis)
    }

    public var fieldValue: FieldValue { .integer(rawValue) }
}

extension RecordID: FieldValueConvertible {
    public init(fieldValue: FieldValue, field: String) throws(DomainError) {
        guard let text = fieldValue.text, let id = RecordID(rawValue: text) else {
            throw .badReference(field: field, value: fieldValue.description)
        }
        self = id
    }

    public var fieldValue: FieldValue { .text(rawValue) }
}
