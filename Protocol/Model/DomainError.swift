/// A rule of the domain that some input broke. Each message says what was
/// wrong and what to do instead.
public enum DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    case shareOutOfRange(String)
    case shareNotANumber(String)
    case salesExceedSpend(ourSales: Money, customerSpend: Money)
    case amountNotANumber(String)
    case amountTooLarge(String)
    case badPeriod(String)
    case badDay(String)
    case unknownValue(field: String, value: String, allowed: [String])
    case textTooLong(field: String, limit: Int)
    /// Text whose UTF-8 form is over its limit in bytes (a few characters made of very many code points).
    case textTooLarge(field: String, bytes: Int)
    /// Text holding a control character (an escape sequence, say); only notes may hold newlines and tabs.
    case controlCharacter(field: String, multiline: Bool)
    /// A wall-clock time outside the years 1970 to 9999.
    case timeOutOfRange(field: String)
    /// A dot or version-vector counter above ``Dot/maximumCounter``.
    case counterOutOfRange(field: String)
    case emptyText(field: String)
    case wrongType(field: String, expected: String)
    case unknownField(kind: RecordKind, field: String)
    case missingField(kind: RecordKind, field: String)
    case badReference(field: String, value: String)
    case stage(StageRuleError)

    public var description: String {
        switch self {
        case .shareOutOfRange(let typed):
            "share \(typed) is outside 0–100: give a percentage from 0 to 100"
        case .shareNotANumber(let typed):
            "share '\(typed)' is not a number: give a percentage from 0 to 100, like 35 or 37.5"
        case .salesExceedSpend(let sales, let spend):
            "our sales (\(sales)) exceed the customer's total spend in the category (\(spend)): check both figures"
        case .amountNotANumber(let typed):
            "'\(typed)' is not an amount: give digits with at most two decimals, like 1200000 or 1200000.50"
        case .amountTooLarge(let typed):
            "amount \(typed) is too large"
        case .badPeriod(let typed):
            "period '\(typed)' is not a quarter or a month: write it like 2026-Q3 or 2026-07"
        case .badDay(let typed):
            "date '\(typed)' is not a calendar day: write it like 2026-11-23"
        case .unknownValue(let field, let value, let allowed):
            "\(field) '\(value.prefix(80))' is not known: use one of \(allowed.joined(separator: ", "))"
        case .textTooLong(let field, let limit):
            "\(field) is longer than \(limit) characters: shorten it"
        case .textTooLarge(let field, let bytes):
            "\(field) takes more than \(bytes) bytes: shorten it"
        case .controlCharacter(let field, let multiline):
            multiline
                ? "\(field) holds a control character: only newlines and tabs may stand in it"
                : "\(field) holds a control character or a line break: give it on one line, without escape sequences"
        case .timeOutOfRange(let field):
            "\(field) is not a time between the years 1970 and 9999: check the laptop's clock"
        case .counterOutOfRange(let field):
            "\(field) holds a counter above \(Dot.maximumCounter): no replica writes that often"
        case .emptyText(let field):
            "\(field) is empty: give some text"
        case .wrongType(let field, let expected):
            "\(field) must be \(expected)"
        case .unknownField(let kind, let field):
            "\(kind) has no field '\(field.prefix(40))': use one of \(kind.schema.fieldNames.joined(separator: ", "))"
        case .missingField(let kind, let field):
            "a new \(kind) needs a \(field)"
        case .badReference(let field, let value):
            "\(field) '\(value.prefix(80))' is not a record id"
        case .stage(let error):
            error.description
        }
    }
}
