import KAMProtocol
import Testing

@Suite("Review flags, decline and the value pyramid")
struct AnalysisTests {
    static let at = Timestamp(rawValue: 1_795_427_400_000)
    static let account = RecordID(rawValue: "acct-1")!

    func share(_ percent: Double) -> Share { try! Share(percent: percent) }

    @Test("one moves the stage, another records a share: both kept, flagged for review")
    func stageVersusShare() throws {
        var base = DotClock(replica: ReplicaID(rawValue: "office")!)
        let start = Account(id: Self.account, name: "ACME", stage: .initial, share: share(40)).newState(clock: &base, at: Self.at)
        #expect(ReviewFlags.evaluate(account: start).isEmpty)

        var li = start
        var liClock = DotClock(replica: ReplicaID(rawValue: "li")!)
        li.write("stage", Stage.stable.fieldValue, clock: &liClock, at: Self.at)
        li.write("share", share(55).fieldValue, clock: &liClock, at: Self.at)
        var wang = start
        var wangClock = DotClock(replica: ReplicaID(rawValue: "wang")!)
        wang.write("share", share(30).fieldValue, clock: &wangClock, at: Self.at)

        let merged = li.joined(with: wang)
        #expect(merged["stage"].value == Stage.stable.fieldValue)
        #expect(Set(merged["share"].distinctValues) == [share(55).fieldValue, share(30).fieldValue])
        let flags = ReviewFlags.evaluate(account: merged)
        #expect(flags == [.shareOutsideStageBand(account: Self.account, stage: .stable, share: share(30))])

        // Settling the share clears the flag.
        var settled = merged
        settled.write("share", share(55).fieldValue, clock: &wangClock, at: Self.at)
        #expect(ReviewFlags.evaluate(account: settled).isEmpty)
    }

    @Test("the latest share record is checked against the stage")
    func recordedShare() throws {
        var clock = DotClock(replica: ReplicaID(rawValue: "li")!)
        let account = Account(id: Self.account, name: "ACME", stage: .strategic).newState(clock: &clock, at: Self.at)
        let q2 = try ShareRecord(account: Self.account, period: .quarter(2026, 2), customerSpend: Money(minorUnits: 100), ourSales: Money(minorUnits: 90))
        let q3 = try ShareRecord(account: Self.account, period: .quarter(2026, 3), customerSpend: Money(minorUnits: 100), ourSales: Money(minorUnits: 60))
        let flags = ReviewFlags.evaluate(
            account: account, shareRecords: [q2.newState(clock: &clock, at: Self.at), q3.newState(clock: &clock, at: Self.at)])
        #expect(flags == [.recordedShareOutsideStageBand(account: Self.account, stage: .strategic, period: .quarter(2026, 3), share: share(60))])
    }

    func records(_ rows: [(String, Int64, Int64)]) throws -> [ShareRecord] {
        try rows.map { period, spend, sales in
            try ShareRecord(account: Self.account, period: Period(parsing: period), customerSpend: Money(minorUnits: spend), ourSales: Money(minorUnits: sales))
        }
    }

    @Test("decline: our sales fall while the customer's spend does not")
    func decline() throws {
        let gradual = try records([("2026-Q1", 1_000, 600), ("2026-Q2", 1_000, 560), ("2026-Q3", 1_050, 520)])
        let signal = try #require(DeclineSignal.evaluate(account: Self.account, records: gradual))
        #expect(signal.pace == .gradual)
        #expect(signal.periods == 2)
        #expect(signal.ourSalesFrom == Money(minorUnits: 600))
        #expect(signal.ourSalesTo == Money(minorUnits: 520))

        let sharp = try records([("2026-Q2", 1_000, 600), ("2026-Q3", 1_000, 300)])
        #expect(DeclineSignal.evaluate(account: Self.account, records: sharp)?.pace == .sharp)
    }

    @Test("no decline when the customer's own volume falls too, or ours grows")
    func notDecline() throws {
        let shrinkingCustomer = try records([("2026-Q2", 1_000, 600), ("2026-Q3", 800, 500)])
        #expect(DeclineSignal.evaluate(account: Self.account, records: shrinkingCustomer) == nil)
        let growing = try records([("2026-Q2", 1_000, 500), ("2026-Q3", 1_000, 600)])
        #expect(DeclineSignal.evaluate(account: Self.account, records: growing) == nil)
        let gap = try records([("2026-Q1", 1_000, 600), ("2026-Q3", 1_000, 300)])
        #expect(DeclineSignal.evaluate(account: Self.account, records: gap) == nil)
        #expect(DeclineSignal.evaluate(account: Self.account, records: []) == nil)
    }

    @Test("single-threaded relationships: one contact, or no decision maker known")
    func relationshipRisks() {
        let buyer = Contact(account: Self.account, name: "王芳", role: .insideCoach)
        let boss = Contact(account: Self.account, name: "李总", role: .decisionMaker)
        #expect(RelationshipRisk.evaluate(contacts: []) == [.noDecisionMaker])
        #expect(RelationshipRisk.evaluate(contacts: [buyer]) == [.singleContact, .noDecisionMaker])
        #expect(RelationshipRisk.evaluate(contacts: [boss]) == [.singleContact])
        #expect(RelationshipRisk.evaluate(contacts: [buyer, boss]).isEmpty)
    }

    @Test("the value pyramid: 1 %, 4 %, 15 %, 80 %")
    func pyramid() {
        var values: [RecordID: Money] = [:]
        for i in 1...200 { values[RecordID(rawValue: "a\(i)")!] = Money(minorUnits: Int64(i) * 1_000) }
        let tiers = ValuePyramid.tiers(byValue: values)
        let counts = Dictionary(grouping: tiers.values, by: { $0 }).mapValues(\.count)
        #expect(counts == [.platinum: 2, .gold: 8, .iron: 30, .lead: 160])
        #expect(tiers[RecordID(rawValue: "a200")!] == .platinum)
        #expect(tiers[RecordID(rawValue: "a1")!] == .lead)
        #expect(ValuePyramid.tiers(byValue: [RecordID(rawValue: "only")!: Money(minorUnits: 5)]) == [RecordID(rawValue: "only")!: .platinum])
    }
}
