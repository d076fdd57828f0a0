/// The customer's spend in our category and our sales to them for one period.
///
/// Its id is derived from the account and the period
/// (``RecordID/shareRecord(account:period:)``), so two reps recording the same
/// period meet in one record. The purchase share follows from the two amounts.
public struct ShareRecord: KAMRecord {
    public static let kind = RecordKind.shareRecord
    public static let schema = RecordSchema(kind: .shareRecord, fields: [
        FieldSpec("account", .reference(.account), required: true),
        FieldSpec("period", .period, required: true),
        FieldSpec("customerSpend", .money, required: true),
        FieldSpec("ourSales", .money, required: true),
    ])

    public var id: RecordID
    public var account: RecordID
    public var period: Period
    /// What the customer bought in our category, from everyone.
    public var customerSpend: Money
    /// What the customer bought from us.
    public var ourSales: Money

    /// A share record; checks that our sales do not exceed the customer's spend.
    public init(account: RecordID, period: Period, customerSpend: Money, ourSales: Money) throws(DomainError) {
        guard ourSales <= customerSpend else {
            throw .salesExceedSpend(ourSales: ourSales, customerSpend: customerSpend)
        }
        self.id = .shareRecord(account: account, period: period)
        self.account = account
        self.period = period
        self.customerSpend = customerSpend
        self.ourSales = ourSales
    }

    /// A share record as stored. Amounts that merged into sales above spend are
    /// kept as they are (nothing typed is dropped); ``share`` is then `nil`.
    public init(id: RecordID, values: [String: FieldValue]) throws(DomainError) {
        let reader = try FieldReader(.shareRecord, values)
        self.id = id
        account = try reader.required("account")
        period = try reader.required("period")
        customerSpend = try reader.required("customerSpend")
        ourSales = try reader.required("ourSales")
    }

    /// Our purchase share for the period; `nil` when the customer spent nothing
    /// or the figures disagree (sales above spend).
    public var share: Share? {
        (try? Share(ourSales: ourSales, customerSpend: customerSpend)) ?? nil
    }

    public var fieldValues: [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        values.set("account", account)
        values.set("period", period)
        values.set("customerSpend", customerSpend)
        values.set("ourSales", ourSales)
        return values
    }

    enum CodingKeys: String, CodingKey {
        case id, account, period, customerSpend, ourSales, share
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(RecordID.self, forKey: .id)
        account = try container.decode(RecordID.self, forKey: .account)
        period = try container.decode(Period.self, forKey: .period)
        customerSpend = try container.decode(Money.self, forKey: .customerSpend)
        ourSales = try container.decode(Money.self, forKey: .ourSales)
    }

    /// Encoded with the derived `share` beside the amounts.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(account, forKey: .account)
        try container.encode(period, forKey: .period)
        try container.encode(customerSpend, forKey: .customerSpend)
        try container.encode(ourSales, forKey: .ourSales)
        try container.encodeIfPresent(share, forKey: .share)
    }
}
