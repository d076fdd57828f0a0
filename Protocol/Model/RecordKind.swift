/// The kinds of record kam keeps, with the names used in the CLI and the API.
public enum RecordKind: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case account
    case contact
    case activity
    case opportunity
    case shareRecord = "share-record"
    case stageChange = "stage-change"

    public var description: String { rawValue }

    /// The fields a record of this kind may hold, with their types.
    public var schema: RecordSchema {
        switch self {
        case .account: Account.schema
        case .contact: Contact.schema
        case .activity: Activity.schema
        case .opportunity: Opportunity.schema
        case .shareRecord: ShareRecord.schema
        case .stageChange: StageChange.schema
        }
    }
}
