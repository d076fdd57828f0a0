/// A record as one consistent set of typed values: what a person types when
/// creating it, and how a record without conflicts reads.
public protocol KAMRecord: Hashable, Sendable, Codable {
    static var kind: RecordKind { get }
    /// The fields a record of this kind holds.
    static var schema: RecordSchema { get }
    var id: RecordID { get }
    /// The record's fields as stored values; absent optional fields are left out.
    var fieldValues: [String: FieldValue] { get }
    /// A record from stored values, checked against the schema.
    init(id: RecordID, values: [String: FieldValue]) throws(DomainError)
}

extension KAMRecord {
    /// The record as a merged state reads: single values, and for a field in
    /// conflict the value ``RecordState/displayValues`` shows.
    public init(state: RecordState) throws(DomainError) {
        try self.init(id: state.id, values: state.displayValues)
    }

    /// The state of a newly created record: one local write per field, in
    /// schema order, each with its own dot from `clock`.
    public func newState(clock: inout DotClock, at: Timestamp) -> RecordState {
        var state = RecordState(kind: Self.kind, id: id)
        let values = fieldValues
        for spec in Self.schema.fields {
            if let value = values[spec.name] { state.write(spec.name, value, clock: &clock, at: at) }
        }
        return state
    }
}

/// Reads typed values out of a record's stored values.
struct FieldReader {
    let kind: RecordKind
    let values: [String: FieldValue]

    init(_ kind: RecordKind, _ values: [String: FieldValue]) throws(DomainError) {
        self.kind = kind
        self.values = values
        for (name, value) in values {
            try kind.schema.check(field: name, value: value, reading: true)
        }
    }

    func optional<T: FieldValueConvertible>(_ name: String) throws(DomainError) -> T? {
        guard let value = values[name], value != .null else { return nil }
        return try T(fieldValue: value, field: name)
    }

    func required<T: FieldValueConvertible>(_ name: String) throws(DomainError) -> T {
        guard let value: T = try optional(name) else { throw .missingField(kind: kind, field: name) }
        return value
    }
}

extension Dictionary where Key == String, Value == FieldValue {
    /// Sets `name` to the stored form of `value`, or leaves it out when `nil`.
    mutating func set(_ name: String, _ value: (some FieldValueConvertible)?) {
        if let value { self[name] = value.fieldValue }
    }
}
