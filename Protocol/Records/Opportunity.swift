/// An opening to move up at an account: one of the eight kinds.
public struct Opportunity: KAMRecord {
    public static let kind = RecordKind.opportunity
    public static let schema = RecordSchema(kind: .opportunity, fields: [
        FieldSpec("account", .reference(.account), required: true),
        FieldSpec("kind", .choice(OpportunityKind.self), required: true),
        FieldSpec("note", .text(maxLength: 10_000, multiline: true)),
        FieldSpec("status", .choice(OpportunityStatus.self), required: true),
    ])

    public var id: RecordID
    public var account: RecordID
    public var kind: OpportunityKind
    public var note: String?
    public var status: OpportunityStatus

    public init(
        id: RecordID = .random(), account: RecordID, kind: OpportunityKind, note: String? = nil,
        status: OpportunityStatus = .open
    ) {
        self.id = id
        self.account = account
        self.kind = kind
        self.note = note
        self.status = status
    }

    public init(id: RecordID, values: [String: FieldValue]) throws(DomainError) {
        let reader = try FieldReader(.opportunity, values)
        self.init(
            id: id, account: try reader.required("account"), kind: try reader.required("kind"),
            note: try reader.optional("note"), status: try reader.optional("status") ?? .open)
    }

    public var fieldValues: [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        values.set("account", account)
        values.set("kind", kind)
        values.set("note", note)
        values.set("status", status)
        return values
    }
}
