/// One step in an account's stage history: who moved it, when, from which
/// stage to which, the share at the time, and why.
///
/// Stage changes are only ever added, each with a fresh id.
public struct StageChange: KAMRecord {
    public static let kind = RecordKind.stageChange
    public static let schema = RecordSchema(kind: .stageChange, fields: [
        FieldSpec("account", .reference(.account), required: true),
        FieldSpec("from", .choice(Stage.self)),
        FieldSpec("to", .choice(Stage.self), required: true),
        FieldSpec("share", .share),
        FieldSpec("reason", .text(maxLength: 2_000, multiline: true)),
        FieldSpec("author", .text(maxLength: 100)),
        FieldSpec("at", .timestamp, required: true),
    ])

    public var id: RecordID
    public var account: RecordID
    /// The stage before; `nil` for the first stage an account was given.
    public var from: Stage?
    public var to: Stage
    public var share: Share?
    public var reason: String?
    public var author: String?
    /// When the writer's clock said it happened.
    public var at: Timestamp

    public init(
        id: RecordID = .random(), account: RecordID, from: Stage?, to: Stage, share: Share? = nil,
        reason: String? = nil, author: String? = nil, at: Timestamp
    ) {
        self.id = id
        self.account = account
        self.from = from
        self.to = to
        self.share = share
        self.reason = reason
        self.author = author
        self.at = at
    }

    public init(id: RecordID, values: [String: FieldValue]) throws(DomainError) {
        let reader = try FieldReader(.stageChange, values)
        self.init(
            id: id, account: try reader.required("account"), from: try reader.optional("from"),
            to: try reader.required("to"), share: try reader.optional("share"),
            reason: try reader.optional("reason"), author: try reader.optional("author"),
            at: try reader.required("at"))
    }

    /// Whether this change moved the account back.
    public var isDecline: Bool { from.map { to < $0 } ?? false }

    public var fieldValues: [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        values.set("account", account)
        values.set("from", from)
        values.set("to", to)
        values.set("share", share)
        values.set("reason", reason)
        values.set("author", author)
        values.set("at", at)
        return values
    }
}
