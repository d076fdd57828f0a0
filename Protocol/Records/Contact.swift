/// A person at an account, with their role in buying.
public struct Contact: KAMRecord {
    public static let kind = RecordKind.contact
    public static let schema = RecordSchema(kind: .contact, fields: [
        FieldSpec("account", .reference(.account), required: true),
        FieldSpec("name", .text(maxLength: 200), required: true),
        FieldSpec("title", .text(maxLength: 200)),
        FieldSpec("role", .choice(BuyingRole.self)),
        FieldSpec("email", .text(maxLength: 200)),
        FieldSpec("phone", .text(maxLength: 50)),
        FieldSpec("notes", .text(maxLength: 10_000, multiline: true)),
    ])

    public var id: RecordID
    public var account: RecordID
    public var name: String
    public var title: String?
    public var role: BuyingRole?
    public var email: String?
    public var phone: String?
    public var notes: String?

    public init(
        id: RecordID = .random(), account: RecordID, name: String, title: String? = nil,
        role: BuyingRole? = nil, email: String? = nil, phone: String? = nil, notes: String? = nil
    ) {
        self.id = id
        self.account = account
        self.name = name
        self.title = title
        self.role = role
        self.email = email
        self.phone = phone
        self.notes = notes
    }

    public init(id: RecordID, values: [String: FieldValue]) throws(DomainError) {
        let reader = try FieldReader(.contact, values)
        self.init(
            id: id, account: try reader.required("account"), name: try reader.required("name"),
            title: try reader.optional("title"), role: try reader.optional("role"),
            email: try reader.optional("email"), phone: try reader.optional("phone"),
            notes: try reader.optional("notes"))
    }

    public var fieldValues: [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        values.set("account", account)
        values.set("name", name)
        values.set("title", title)
        values.set("role", role)
        values.set("email", email)
        values.set("phone", phone)
        values.set("notes", notes)
        return values
    }
}
