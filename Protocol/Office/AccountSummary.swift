/// One row of the account list: the account as it reads, and whether a person
/// has something to settle on it.
public struct AccountSummary: Hashable, Sendable, Codable {
    public var id: RecordID
    public var name: String
    public var industry: String?
    public var region: String?
    public var owner: String?
    public var tier: Tier?
    public var stage: Stage
    public var share: Share?
    /// Whether the account or one of its records has a conflict to settle.
    public var needsResolution: Bool
    /// Codes of the review flags raised on the account.
    public var flags: [String]

    public init(
        id: RecordID, name: String, industry: String? = nil, region: String? = nil, owner: String? = nil,
        tier: Tier? = nil, stage: Stage = .development, share: Share? = nil, needsResolution: Bool = false,
        flags: [String] = []
    ) {
        self.id = id
        self.name = name
        self.industry = industry
        self.region = region
        self.owner = owner
        self.tier = tier
        self.stage = stage
        self.share = share
        self.needsResolution = needsResolution
        self.flags = flags
    }

    /// The summary of an account's merged state. For a field in conflict the
    /// row shows one of the values (see ``RecordState/displayValues``) and
    /// `needsResolution` is set.
    public init(state: RecordState, flags: [ReviewFlag] = [], childrenNeedResolution: Bool = false) throws(DomainError) {
        let account = try Account(state: state)
        id = account.id
        name = account.name
        industry = account.industry
        region = account.region
        owner = account.owner
        tier = account.tier
        stage = account.stage
        share = account.share
        needsResolution = state.needsResolution || childrenNeedResolution
        self.flags = flags.map(\.code)
    }
}

/// A page of the account list.
public struct AccountList: Hashable, Sendable, Codable {
    public var accounts: [AccountSummary]
    /// How many accounts match, over all pages.
    public var total: Int
    public var limit: Int
    public var offset: Int

    public init(accounts: [AccountSummary], total: Int, limit: Int, offset: Int) {
        self.accounts = accounts
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}

/// Which accounts to list.
public struct AccountQuery: Hashable, Sendable {
    public var stage: Stage?
    public var owner: String?
    public var region: String?
    public var tier: Tier?
    /// Text to find in the name, industry, region or notes (case-insensitive).
    public var text: String?
    /// Only accounts with something to settle (a conflict or a review flag).
    public var hasConflicts: Bool
    public var limit: Int
    public var offset: Int

    public static let defaultLimit = 100
    public static let maximumLimit = 1_000
    /// The longest search text, in characters: longer than any name, industry or region.
    public static let maximumTextLength = 200

    public init(
        stage: Stage? = nil, owner: String? = nil, region: String? = nil, tier: Tier? = nil, text: String? = nil,
        hasConflicts: Bool = false, limit: Int = defaultLimit, offset: Int = 0
    ) {
        self.stage = stage
        self.owner = owner
        self.region = region
        self.tier = tier
        self.text = text
        self.hasConflicts = hasConflicts
        self.limit = limit
        self.offset = offset
    }
}
