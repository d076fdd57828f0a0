import KAMProtocol

/// A rep's territory as one laptop would create it: accounts, each with one
/// contact and one activity, every field written with its own dot.
///
/// The data is generated batch by batch from a seed, so a territory of
/// 100,000 accounts never sits in memory at once and every run pushes the
/// same values.
struct Territory: Sequence {
    let owner: String
    let accounts: Int
    let replica: ReplicaID
    /// Accounts per push batch (with their contacts and activities).
    var accountsPerBatch = 40

    static let regions = ["East China", "North China", "South China", "Central China", "Southwest", "Northwest", "Northeast", "Overseas"]
    static let trades = ["Machinery", "Chemicals", "Textiles", "Electronics", "Foods", "Logistics", "Pharma", "Metals", "Paper", "Plastics"]
    static let towns = ["Huadong", "Jinan", "Ningbo", "Xiamen", "Wuxi", "Dalian", "Hefei", "Foshan", "Tianjin", "Changsha"]

    func accountID(_ index: Int) -> RecordID { RecordID(rawValue: "\(owner)-a\(index)")! }

    func makeIterator() -> Batches { Batches(territory: self) }

    /// The push batches, accounts before their records.
    struct Batches: IteratorProtocol {
        let territory: Territory
        var position = 0
        var clock: DotClock
        var random = SeededGenerator(seed: 0x6B61_6D00)

        init(territory: Territory) {
            self.territory = territory
            clock = DotClock(replica: territory.replica)
        }

        mutating func next() -> [RecordState]? {
            guard position < territory.accounts else { return nil }
            let end = Swift.min(position + territory.accountsPerBatch, territory.accounts)
            var records: [RecordState] = []
            records.reserveCapacity((end - position) * 3)
            for index in position..<end { records += territory.records(index, clock: &clock, random: &random) }
            position = end
            return records
        }
    }

    /// Account `index`, its contact and its activity.
    func records(_ index: Int, clock: inout DotClock, random: inout SeededGenerator) -> [RecordState] {
        let at = Timestamp(rawValue: 1_763_900_000_000 + Int64(index))
        let id = accountID(index)
        var account = RecordState(kind: .account, id: id)
        let town = Self.towns.randomElement(using: &random)!
        let trade = Self.trades.randomElement(using: &random)!
        account.write("name", .text("\(town) \(trade) \(index)"), clock: &clock, at: at)
        account.write("region", .text(Self.regions.randomElement(using: &random)!), clock: &clock, at: at)
        account.write("tier", .text(Tier.allCases.randomElement(using: &random)!.rawValue), clock: &clock, at: at)
        account.write("owner", .text(owner), clock: &clock, at: at)
        let roll = Int.random(in: 0..<100, using: &random)
        let stage: Stage = roll < 30 ? .development : roll < 60 ? .initial : roll < 85 ? .stable : .strategic
        account.write("stage", .text(stage.rawValue), clock: &clock, at: at)
        let share: Int64? = switch stage {
        case .development: nil
        case .initial: Int64.random(in: 0..<5_000, using: &random)
        case .stable: Int64.random(in: 5_000..<8_000, using: &random)
        case .strategic: Int64.random(in: 8_000...10_000, using: &random)
        }
        if let share { account.write("share", .integer(share), clock: &clock, at: at) }

        var contact = RecordState(kind: .contact, id: RecordID(rawValue: "\(owner)-c\(index)")!)
        contact.write("account", .text(id.rawValue), clock: &clock, at: at)
        contact.write("name", .text("Contact \(index)"), clock: &clock, at: at)
        contact.write("role", .text(BuyingRole.allCases.randomElement(using: &random)!.rawValue), clock: &clock, at: at)

        var activity = RecordState(kind: .activity, id: RecordID(rawValue: "\(owner)-v\(index)")!)
        activity.write("account", .text(id.rawValue), clock: &clock, at: at)
        activity.write("kind", .text(ActivityKind.allCases.randomElement(using: &random)!.rawValue), clock: &clock, at: at)
        activity.write("date", .text("2026-\(10 + index % 2)-\(10 + index % 19)"), clock: &clock, at: at)
        return [account, contact, activity]
    }
}

extension Array where Element == RecordState {
    /// The field states in these records (each field and each deletion register counts once).
    var fieldStateCount: Int { reduce(0) { $0 + $1.fields.count + ($1.existence.context.isEmpty ? 0 : 1) } }
}
