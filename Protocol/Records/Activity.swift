/// A visit, call, meeting, email, complaint or note logged against an account.
///
/// Activities are only ever added, each with a fresh id, so they merge from
/// every laptop without conflict.
public struct Activity: KAMRecord {
    public static let kind = RecordKind.activity
    public static let schema = RecordSchema(kind: .activity, fields: [
        FieldSpec("account", .reference(.account), required: true),
        FieldSpec("kind", .choice(ActivityKind.self), required: true),
        FieldSpec("date", .day, required: true),
        FieldSpec("note", .text(maxLength: 10_000, multiline: true)),
        FieldSpec("author", .text(maxLength: 100)),
    ])

    public var id: RecordID
    public var account: RecordID
    public var kind: ActivityKind
    public var date: Day
    public var note: String?
    /// The user name of whoever logged it.
    public var author: String?

    public init(
        id: RecordID = .random(), account: RecordID, kind: ActivityKind, date: Day, note: String? = nil,
        author: String? = nil
    ) {
        self.id = id
        self.account = account
        self.kind = kind
        self.date = date
        self.note = note
        self.author = author
    }

    public init(id: RecordID, values: [String: FieldValue]) throws(DomainError) {
        let reader = try FieldReader(.activity, values)
        self.init(
            id: id, account: try reader.required("account"), kind: try reader.required("kind"),
            date: try reader.required("date"), note: try reader.optional("note"),
            author: try reader.optional("author"))
    }

    public var fieldValues: [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        values.set("account", account)
        values.set("kind", kind)
        values.set("date", date)
        values.set("note", note)
        values.set("author", author)
        return values
    }
}
