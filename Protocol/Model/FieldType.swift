/// The type of a field, which says which ``FieldValue``s it accepts.
public enum FieldType: Hashable, Sendable {
    /// Free text of at most `maxLength` characters (grapheme clusters) and
    /// four bytes of UTF-8 per character. No control characters; `multiline`
    /// text (notes) may hold newlines and tabs.
    case text(maxLength: Int, multiline: Bool = false)
    /// One of a fixed list of names.
    case choice([String])
    /// A purchase share, in basis points.
    case share
    /// An amount of money, in minor units.
    case money
    /// A period such as `2026-Q3`.
    case period
    /// A calendar day such as `2026-11-23`.
    case day
    /// A wall-clock instant, in milliseconds since 1970.
    case timestamp
    /// The id of a record of the given kind.
    case reference(RecordKind)

    /// The choice of every case of an enumeration.
    public static func choice<E: CaseIterable & RawRepresentable>(_: E.Type) -> FieldType where E.RawValue == String {
        .choice(E.allCases.map(\.rawValue))
    }

    /// Checks one value of the field `name`; `null` is checked by the schema.
    ///
    /// `reading` checks only what reading the value needs (its type, its
    /// choices, its shape): a value stored before a limit on text or time
    /// existed still reads, while every value written is checked whole.
    public func check(_ value: FieldValue, field name: String, reading: Bool = false) throws(DomainError) {
        switch (self, value) {
        case (_, .null):
            return
        case (.text, .text) where reading, (.timestamp, .integer) where reading:
            return
        case (.text(let limit, let multiline), .text(let string)):
            // Bytes first: counting characters of a huge string is the expensive part.
            guard string.utf8.count <= 4 * limit else { throw .textTooLarge(field: name, bytes: 4 * limit) }
            if string.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
                // Printable ASCII: a character per byte and no control character, so no Unicode tables to ask.
                guard string.utf8.count <= limit else { throw .textTooLong(field: name, limit: limit) }
                return
            }
            guard string.count <= limit else { throw .textTooLong(field: name, limit: limit) }
            guard !string.unicodeScalars.contains(where: { Self.isRefusedControl($0, multiline: multiline) }) else {
                throw .controlCharacter(field: name, multiline: multiline)
            }
        case (.choice(let allowed), .text(let string)):
            guard allowed.contains(string) else { throw .unknownValue(field: name, value: string, allowed: allowed) }
        case (.share, .integer(let points)):
            guard (0...10_000).contains(points) else { throw .shareOutOfRange(String(Double(points) / 100)) }
        case (.money, .integer(let units)):
            guard units >= 0, units <= Money.maximum.minorUnits else {
                throw .wrongType(field: name, expected: "an amount from 0 up, in minor units")
            }
        case (.period, .text(let string)):
            _ = try Period(parsing: string)
        case (.day, .text(let string)):
            _ = try Day(parsing: string)
        case (.timestamp, .integer(let milliseconds)):
            guard Timestamp.validRange.contains(milliseconds) else { throw .timeOutOfRange(field: name) }
        case (.reference, .text(let string)):
            guard RecordID(rawValue: string) != nil else { throw .badReference(field: name, value: string) }
        default:
            throw .wrongType(field: name, expected: expected)
        }
    }

    /// Whether `scalar` is a control character text may not hold: every C0
    /// and C1 control and DEL, but newline and tab in multiline text.
    static func isRefusedControl(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        // Unicode's control characters (general category Cc) are exactly U+0000–U+001F and U+007F–U+009F.
        guard scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) else { return false }
        return !(multiline && (scalar == "\n" || scalar == "\t"))
    }

    var expected: String {
        switch self {
        case .text: "text"
        case .choice(let allowed): "one of \(allowed.joined(separator: ", "))"
        case .share: "a share in basis points (0 to 10000)"
        case .money: "an amount in minor units"
        case .period: "a period like 2026-Q3"
        case .day: "a day like 2026-11-23"
        case .timestamp: "milliseconds since 1970"
        case .reference(let kind): "the id of a \(kind)"
        }
    }
}

/// One field of a record kind.
public struct FieldSpec: Hashable, Sendable {
    public let name: String
    public let type: FieldType
    /// Whether a new record must have it (and it may never be cleared).
    public let required: Bool

    public init(_ name: String, _ type: FieldType, required: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
    }
}

/// The fields of one record kind.
public struct RecordSchema: Hashable, Sendable {
    public let kind: RecordKind
    public let fields: [FieldSpec]

    public init(kind: RecordKind, fields: [FieldSpec]) {
        self.kind = kind
        self.fields = fields
    }

    public var fieldNames: [String] { fields.map(\.name) }

    public func spec(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }

    /// Checks one value written to `field` (or, with `reading`, one read
    /// from storage: see ``FieldType/check(_:field:reading:)``).
    public func check(field: String, value: FieldValue, reading: Bool = false) throws(DomainError) {
        guard let spec = spec(field) else { throw .unknownField(kind: kind, field: field) }
        if value == .null {
            guard !spec.required else { throw .missingField(kind: kind, field: field) }
            return
        }
        try spec.type.check(value, field: field, reading: reading)
    }

    /// Checks every value a state holds, and that its counters and times are
    /// within what every store holds: what a server does to a pushed state
    /// before joining it.
    public func check(_ state: RecordState) throws(DomainError) {
        for (name, register) in state.fields {
            for sibling in register.siblings {
                try check(field: name, value: sibling.value)
            }
            if register.siblings.isEmpty, spec(name) == nil { throw .unknownField(kind: kind, field: name) }
            try Self.checkBounds(register, field: name)
        }
        try Self.checkBounds(state.existence, field: "deletion")
        for sibling in state.existence.siblings {
            if case .deleted(let seen) = sibling.value, seen.sortedCounters.contains(where: { $0.counter > Dot.maximumCounter }) {
                throw .counterOutOfRange(field: "deletion")
            }
        }
    }

    private static func checkBounds<Value>(_ register: Register<Value>, field: String) throws(DomainError) {
        for sibling in register.siblings where !Timestamp.validRange.contains(sibling.at.rawValue) {
            throw .timeOutOfRange(field: field)
        }
        if register.context.sortedCounters.contains(where: { $0.counter > Dot.maximumCounter }) { throw .counterOutOfRange(field: field) }
    }
}
