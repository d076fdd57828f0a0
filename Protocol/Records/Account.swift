/// A key account: a customer company managed one by one.
public struct Account: KAMRecord {
    public static let kind = RecordKind.account
    public static let schema = RecordSchema(kind: .account, fields: [
        FieldSpec("name", .text(maxLength: 200), required: true),
        FieldSpec("industry", .text(maxLength: 100)),
        FieldSpec("region", .text(maxLength: 100)),
        FieldSpec("owner", .text(maxLength: 100)),
        FieldSpec("tier", .choice(Tier.self)),
        FieldSpec("notes", .text(maxLength: 10_000, multiline: true)),
        FieldSpec("stage", .choice(Stage.self), required: true),
        FieldSpec("share", .share),
    ])

    public var id: RecordID
    public var name: String
    public var industry: String?
    public var region: String?
    /// The user name of the rep responsible.
    public var owner: String?
    public var tier: Tier?
    public var notes: String?
    /// The current relationship stage; a new account starts at development.
    public var stage: Stage
    /// The current purchase share, when known.
    public var share: Share?

    public init(
        id: RecordID = .random(), name: String, industry: String? = nil, region: String? = nil,
        owner: String? = nil, tier: Tier? = nil, notes: String? = nil, stage: Stage = .development,
        share: Share? = nil
    ) {
        self.id = id
        self.name = name
        self.industry = industry
        self.region = region
        self.owner = owner
        self.tier = tier
        self.notes = notes
        self.stage = stage
        self.share = share
    }

    public init(id: RecordID, values: [String: FieldValue]) throws(DomainError) {
        let reader = try FieldReader(.account, values)
        self.init(
            id: id, name: try reader.required("name"), industry: try reader.optional("industry"),
            region: try reader.optional("region"), owner: try reader.optional("owner"),
            tier: try reader.optional("tier"), notes: try reader.optional("notes"),
            stage: try reader.optional("stage") ?? .development, share: try reader.optional("share"))
    }

    public var fieldValues: [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        values.set("name", name)
        values.set("industry", industry)
        values.set("region", region)
        values.set("owner", owner)
        values.set("tier", tier)
        values.set("notes", notes)
        values.set("stage", stage)
        values.set("share", share)
        return values
    }
}
