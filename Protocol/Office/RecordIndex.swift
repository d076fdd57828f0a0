/// The columns a store keeps per record so it can list and filter without
/// decoding states: derived from the merged state, never edited.
public struct RecordIndex: Hashable, Sendable {
    public var kind: RecordKind
    /// The account the record belongs to: itself for an account.
    public var account: RecordID?
    /// Whether the record is shown (everything but a settled delete).
    public var visible: Bool
    /// Whether a person has something to settle on this record.
    public var needsResolution: Bool
    public var name: String?
    public var industry: String?
    public var region: String?
    public var owner: String?
    public var tier: String?
    public var stage: String?
    /// The account's share in basis points.
    public var share: Int64?
    public var notes: String?

    public init(_ state: RecordState) {
        let values = state.displayValues
        func text(_ name: String) -> String? { values[name]?.text }
        kind = state.kind
        account = Self.accounts(of: state).first
        visible = state.status.isVisible
        needsResolution = state.needsResolution
        let isAccount = state.kind == .account
        name = text("name")
        industry = isAccount ? text("industry") : nil
        region = isAccount ? text("region") : nil
        owner = isAccount ? text("owner") : nil
        tier = isAccount ? text("tier") : nil
        stage = isAccount ? text("stage") : nil
        share = isAccount ? values["share"]?.integer : nil
        notes = text("notes") ?? text("note")
    }

    /// Every account a record names: itself for an account, else the values of
    /// its `account` field (more than one only while that field is in conflict).
    public static func accounts(of state: RecordState) -> [RecordID] {
        if state.kind == .account { return [state.id] }
        return state["account"].distinctValues.compactMap { $0.text.flatMap(RecordID.init(rawValue:)) }
    }

    /// The account as its index reads: every field, a field in conflict showing one of its values.
    public func account(id: RecordID) -> Account {
        let summary = summary(id: id, flags: [], childrenNeedResolution: false)
        return Account(
            id: id, name: summary.name, industry: industry, region: region, owner: owner, tier: summary.tier, notes: notes,
            stage: summary.stage, share: summary.share)
    }

    /// The account-list row of an account from its index, its flags and whether its records need resolution.
    public func summary(id: RecordID, flags: [String], childrenNeedResolution: Bool) -> AccountSummary {
        Self.summary(
            id: id, name: name, industry: industry, region: region, owner: owner, tier: tier, stage: stage, share: share,
            needsResolution: needsResolution || childrenNeedResolution, flags: flags)
    }

    /// The account-list row of an account from its index columns as stored,
    /// without building the index: a list reads tens of thousands of them.
    public static func summary(
        id: RecordID, name: String?, industry: String?, region: String?, owner: String?, tier: String?, stage: String?,
        share: Int64?, needsResolution: Bool, flags: [String]
    ) -> AccountSummary {
        AccountSummary(
            id: id, name: name ?? id.rawValue, industry: industry, region: region, owner: owner,
            tier: tier.flatMap(Tier.init(rawValue:)), stage: stage.flatMap(Stage.init(rawValue:)) ?? .development,
            share: share.flatMap { (0...10_000).contains($0) ? Share(basisPoints: Int($0)) : nil },
            needsResolution: needsResolution, flags: flags)
    }
}
