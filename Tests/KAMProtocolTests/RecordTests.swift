import Foundation
import KAMProtocol
import Testing

@Suite("Records")
struct RecordTests {
    static let at = Timestamp(rawValue: 1_795_427_400_000)

    @Test("an account round-trips through its state, Chinese text included")
    func accountRoundTrip() throws {
        let account = Account(
            name: "华为技术有限公司", industry: "电信设备", region: "华南", owner: "李娜", tier: .platinum,
            notes: "内线: 采购部王经理", stage: .initial, share: try Share(percent: 20))
        var clock = DotClock(replica: .random())
        let state = account.newState(clock: &clock, at: Self.at)
        #expect(clock.counter == 8)  // one dot per field written
        #expect(try Account(state: state) == account)
        let wire = try WireFormat.encoder().encode(state)
        let decoded = try WireFormat.decoder().decode(RecordState.self, from: wire)
        #expect(decoded == state)
        #expect(try Account(state: decoded).name == "华为技术有限公司")
    }

    @Test("every kind of record round-trips")
    func allKinds() throws {
        let account = RecordID.random()
        var clock = DotClock(replica: .random())
        let contact = Contact(account: account, name: "王芳", title: "采购总监", role: .insideCoach)
        let activity = Activity(account: account, kind: .complaint, date: try Day(parsing: "2026-11-20"), note: "交货延迟", author: "li")
        let opportunity = Opportunity(account: account, kind: .competitorQuality, note: "incumbent recalled a batch")
        let share = try ShareRecord(account: account, period: .quarter(2026, 3), customerSpend: Money(minorUnits: 1_000), ourSales: Money(minorUnits: 300))
        let change = StageChange(account: account, from: .development, to: .initial, share: try Share(percent: 10), reason: "first order", author: "li", at: Self.at)
        #expect(try Contact(state: contact.newState(clock: &clock, at: Self.at)) == contact)
        #expect(try Activity(state: activity.newState(clock: &clock, at: Self.at)) == activity)
        #expect(try Opportunity(state: opportunity.newState(clock: &clock, at: Self.at)) == opportunity)
        #expect(try ShareRecord(state: share.newState(clock: &clock, at: Self.at)) == share)
        #expect(try StageChange(state: change.newState(clock: &clock, at: Self.at)) == change)
        #expect(share.share == (try Share(percent: 30)))
        #expect(!change.isDecline)
    }

    @Test("the schema refuses unknown fields, unknown names and wrong types")
    func schema() {
        let schema = RecordKind.account.schema
        #expect(throws: DomainError.unknownField(kind: .account, field: "colour")) {
            try schema.check(field: "colour", value: .text("red"))
        }
        #expect(throws: DomainError.unknownValue(field: "stage", value: "won", allowed: Stage.allCases.map(\.rawValue))) {
            try schema.check(field: "stage", value: .text("won"))
        }
        #expect(throws: DomainError.self) { try schema.check(field: "share", value: .integer(13_000)) }
        #expect(throws: DomainError.self) { try schema.check(field: "share", value: .text("30")) }
        #expect(throws: DomainError.missingField(kind: .account, field: "name")) {
            try schema.check(field: "name", value: .null)
        }
        #expect(throws: DomainError.self) { try schema.check(field: "name", value: .text(String(repeating: "x", count: 201))) }
        #expect(throws: DomainError.self) {
            try RecordKind.activity.schema.check(field: "date", value: .text("yesterday"))
        }
        #expect((try? schema.check(field: "notes", value: .null)) != nil)
    }

    @Test("two reps recording one period meet in one record and disagree visibly")
    func sharePeriodConflict() throws {
        let account = RecordID.random()
        var li = DotClock(replica: ReplicaID(rawValue: "li")!)
        var wang = DotClock(replica: ReplicaID(rawValue: "wang")!)
        let a = try ShareRecord(account: account, period: .quarter(2026, 3), customerSpend: Money(minorUnits: 1_000), ourSales: Money(minorUnits: 300))
        let b = try ShareRecord(account: account, period: .quarter(2026, 3), customerSpend: Money(minorUnits: 1_000), ourSales: Money(minorUnits: 350))
        let merged = a.newState(clock: &li, at: Self.at).joined(with: b.newState(clock: &wang, at: Self.at))
        #expect(a.id == b.id)
        // Same figures agree; only the differing one is a conflict.
        #expect(merged.conflicts.map(\.field) == ["ourSales"])
        // Both writes of the agreeing figure are kept, and read as one value.
        #expect(merged["customerSpend"].siblings.count == 2)
        #expect(merged["customerSpend"].value == .integer(1_000))
        #expect(merged["ourSales"].value == nil)
        #expect(Set(merged["ourSales"].distinctValues) == [.integer(300), .integer(350)])
    }
}
