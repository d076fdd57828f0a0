import Foundation
import KAMProtocol
import Testing

@Suite("The office's reports")
struct ReportTests {
    static let replica = ReplicaID(rawValue: "office")!

    /// Merged states of these records, as a store would hold them.
    static func data(_ records: [any KAMRecord], deleted: Set<RecordID> = []) -> ReportData {
        var clock = DotClock(replica: replica)
        let at = Timestamp(rawValue: 1_795_427_400_000)
        return ReportData(states: records.map { record in
            var state = record.newState(clock: &clock, at: at)
            if deleted.contains(record.id) { state.delete(clock: &clock, at: at) }
            return state
        })
    }

    static func money(_ major: Int64) -> Money { Money(minorUnits: major * 100) }
    static func period(_ text: String) -> Period { try! Period(parsing: text) }
    static func day(_ text: String) -> Day { try! Day(parsing: text) }

    @Test("the pyramid ranks 100 accounts by our sales in the range: 1 platinum, 4 gold, 15 iron, 80 lead")
    func pyramid() throws {
        var records: [any KAMRecord] = []
        for n in 1...100 {
            let account = Account(id: RecordID(rawValue: "a\(n)")!, name: "客户 \(n)", owner: "li", tier: n == 100 ? .lead : nil)
            records.append(account)
            // Inside the range, sales grow with n; outside it, account 1 sold the most of all.
            records.append(try ShareRecord(account: account.id, period: Self.period("2026-Q2"), customerSpend: Self.money(1_000_000), ourSales: Self.money(Int64(n) * 100)))
            if n == 1 {
                records.append(try ShareRecord(account: account.id, period: Self.period("2025-Q1"), customerSpend: Self.money(1_000_000), ourSales: Self.money(900_000)))
            }
        }
        let range = try PeriodRange(from: Self.period("2025-Q4"), to: Self.period("2026-Q3"))
        let report = PyramidReport(Self.data(records), range: range)
        #expect(report.tiers.map(\.accounts) == [1, 4, 15, 80])
        #expect(report.accounts.first?.account.name == "客户 100" && report.accounts.first?.tier == .platinum)
        #expect(report.accounts.last?.account.name == "客户 1" && report.accounts.last?.ourSales == Self.money(100))
        #expect(report.ourSales == Self.money(100 * 5050))
        // The recorded tier sits beside the computed one.
        let top = try #require(report.accounts.first)
        #expect(top.recordedTier == .lead && top.differs)
        #expect(report.tiers.first { $0.tier == .lead }?.recorded == 1)
        #expect(report.tiers.first?.shareOfSales == (try Share(ourSales: Self.money(10_000), customerSpend: Self.money(505_000))))
    }

    @Test("accounts that sold nothing in the range are lead, not tied into a better tier; with no sales at all every account is lead")
    func pyramidWithoutSales() throws {
        var records: [any KAMRecord] = []
        for n in 1...100 {
            let account = Account(id: RecordID(rawValue: "a\(n)")!, name: "A\(n)")
            records.append(account)
            if n <= 15 {
                records.append(try ShareRecord(account: account.id, period: Self.period("2026-Q2"), customerSpend: Self.money(1_000), ourSales: Self.money(Int64(n))))
            }
        }
        let range = try PeriodRange(from: Self.period("2026-Q1"), to: Self.period("2026-Q4"))
        let report = PyramidReport(Self.data(records), range: range)
        #expect(report.tiers.map(\.accounts) == [1, 4, 10, 85])
        let empty = PyramidReport(Self.data(records), range: try PeriodRange(from: Self.period("2020-Q1"), to: Self.period("2020-Q4")))
        #expect(empty.tiers.map(\.accounts) == [0, 0, 0, 100])
    }

    @Test("a quarter's record counts once, not again with the months inside it; periods outside the range do not count")
    func pyramidPeriods() throws {
        let a = Account(id: RecordID(rawValue: "a")!, name: "A")
        let records: [any KAMRecord] = [
            a,
            try ShareRecord(account: a.id, period: Self.period("2026-Q1"), customerSpend: Self.money(100), ourSales: Self.money(30)),
            try ShareRecord(account: a.id, period: Self.period("2026-02"), customerSpend: Self.money(100), ourSales: Self.money(10)),
            try ShareRecord(account: a.id, period: Self.period("2026-04"), customerSpend: Self.money(100), ourSales: Self.money(7)),
            try ShareRecord(account: a.id, period: Self.period("2026-07"), customerSpend: Self.money(1_000), ourSales: Self.money(1_000)),
        ]
        let report = PyramidReport(Self.data(records), range: try PeriodRange(from: Self.period("2026-01"), to: Self.period("2026-Q2")))
        #expect(report.accounts.map(\.ourSales) == [Self.money(37)])
    }

    @Test("the default range is the last four quarters that have ended; one end given spans four quarters")
    func ranges() throws {
        let last = PeriodRange.lastFourQuarters(before: Self.day("2026-12-01"))
        #expect(last.from == Self.period("2025-Q4") && last.to == Self.period("2026-Q3"))
        #expect(try PeriodRange.asked(from: Self.period("2026-Q2"), to: nil, today: Self.day("2026-12-01")).to == Self.period("2027-Q1"))
        #expect(try PeriodRange.asked(from: nil, to: Self.period("2026-05"), today: Self.day("2026-12-01")).from == Self.period("2025-Q3"))
        #expect(try PeriodRange.asked(from: nil, to: Self.period("1900-Q1"), today: Self.day("2026-12-01")).from == Self.period("1900-Q1"))
        #expect(try PeriodRange.asked(from: Self.period("2999-12"), to: nil, today: Self.day("2026-12-01")).to == Self.period("2999-Q4"))
        #expect(throws: ReportError.self) { try PeriodRange(from: Self.period("2026-Q3"), to: Self.period("2026-Q2")) }
        #expect(throws: ReportError.self) { try DayRange(from: Self.day("2026-02-01"), to: Self.day("2026-01-31")) }
        let quarter = DayRange.quarterToDate(Self.day("2026-11-30"))
        #expect(quarter.from == Self.day("2026-10-01") && quarter.to == Self.day("2026-11-30"))
        #expect(Day(Timestamp(rawValue: 1_795_427_400_000)) == Self.day("2026-11-23"))
        #expect(Day(Timestamp(rawValue: -1)) == Self.day("1969-12-31"))
    }

    @Test("movements in a range: up, down and first stages, oldest first, with who and why")
    func movements() throws {
        let a = Account(id: RecordID(rawValue: "a")!, name: "华为", owner: "li", stage: .initial)
        let hidden = Account(id: RecordID(rawValue: "h")!, name: "Gone")
        func at(_ text: String) -> Timestamp { Timestamp(ISO8601DateFormatter().date(from: "\(text)T01:00:00Z")!) }
        let records: [any KAMRecord] = [
            a, hidden,
            StageChange(id: RecordID(rawValue: "s1")!, account: a.id, from: nil, to: .development, author: "li", at: at("2026-07-01")),
            StageChange(id: RecordID(rawValue: "s2")!, account: a.id, from: .development, to: .initial, author: "li", at: at("2026-10-05")),
            StageChange(id: RecordID(rawValue: "s3")!, account: a.id, from: .stable, to: .initial, reason: "lost the tender", author: "wang", at: at("2026-11-20")),
            StageChange(id: RecordID(rawValue: "s4")!, account: hidden.id, from: .initial, to: .development, reason: "x", at: at("2026-11-21")),
        ]
        let report = MovementReport(Self.data(records, deleted: [hidden.id]), range: try DayRange(from: Self.day("2026-10-01"), to: Self.day("2026-11-30")))
        #expect(report.movements.map(\.id.rawValue) == ["s2", "s3"])
        #expect(report.movements.map(\.direction) == [.up, .down])
        #expect(report.up == 1 && report.down == 1)
        #expect(report.movements.last?.reason == "lost the tender" && report.movements.last?.author == "wang")
        let all = MovementReport(Self.data(records), range: try DayRange())
        #expect(all.movements.first?.direction == .start && all.movements.count == 4)
    }

    @Test("declining accounts: our sales fall while the customer's spend holds, largest fall first")
    func declining() throws {
        let sharp = Account(id: RecordID(rawValue: "s")!, name: "Sharp")
        let slow = Account(id: RecordID(rawValue: "g")!, name: "Slow")
        let shrinking = Account(id: RecordID(rawValue: "c")!, name: "Customer shrinks")
        func record(_ account: Account, _ period: String, spend: Int64, ours: Int64) throws -> ShareRecord {
            try ShareRecord(account: account.id, period: Self.period(period), customerSpend: Self.money(spend), ourSales: Self.money(ours))
        }
        let records: [any KAMRecord] = [
            sharp, slow, shrinking,
            try record(sharp, "2026-Q1", spend: 1_000, ours: 800), try record(sharp, "2026-Q2", spend: 1_000, ours: 400),
            try record(slow, "2026-Q1", spend: 1_000, ours: 800), try record(slow, "2026-Q2", spend: 1_100, ours: 760),
            try record(slow, "2026-Q3", spend: 1_100, ours: 700),
            try record(shrinking, "2026-Q1", spend: 1_000, ours: 800), try record(shrinking, "2026-Q2", spend: 500, ours: 400),
        ]
        let report = DecliningReport(Self.data(records))
        #expect(report.accounts.map(\.account.name) == ["Sharp", "Slow"])
        let first = try #require(report.accounts.first)
        #expect(first.pace == "sharp" && first.drop == Share(basisPoints: 5_000) && first.periods == 1)
        #expect(first.fromPeriod == Self.period("2026-Q1") && first.customerSpendTo == Self.money(1_000))
        let second = report.accounts[1]
        #expect(second.pace == "gradual" && second.periods == 2 && second.ourSalesFrom == Self.money(800) && second.customerSpendTo == Self.money(1_100))
    }

    @Test("risks: one contact only, or no decision maker known; deleted contacts do not count")
    func risks() throws {
        let one = Account(id: RecordID(rawValue: "1")!, name: "One")
        let safe = Account(id: RecordID(rawValue: "2")!, name: "Safe")
        let none = Account(id: RecordID(rawValue: "3")!, name: "None")
        let gone = Contact(id: RecordID(rawValue: "c4")!, account: safe.id, name: "Left", role: .influencer)
        let records: [any KAMRecord] = [
            one, safe, none, gone,
            Contact(id: RecordID(rawValue: "c1")!, account: one.id, name: "王芳", role: .decisionMaker),
            Contact(id: RecordID(rawValue: "c2")!, account: safe.id, name: "A", role: .decisionMaker),
            Contact(id: RecordID(rawValue: "c3")!, account: safe.id, name: "B", role: .user),
            Contact(id: RecordID(rawValue: "c5")!, account: none.id, name: "C", role: .user),
            Contact(id: RecordID(rawValue: "c6")!, account: none.id, name: "D", role: .gatekeeper),
        ]
        let report = RiskReport(Self.data(records, deleted: [gone.id]))
        #expect(report.accounts.map(\.account.name) == ["None", "One"])
        #expect(report.accounts.map(\.risks) == [[.noDecisionMaker], [.singleContact]])
        #expect(report.singleContact == 1 && report.noDecisionMaker == 1)
    }

    @Test("complaints by account, the newest first, only complaints and only in the range")
    func complaints() throws {
        let a = Account(id: RecordID(rawValue: "a")!, name: "A")
        let b = Account(id: RecordID(rawValue: "b")!, name: "B")
        func activity(_ id: String, _ account: Account, _ kind: ActivityKind, _ date: String) -> Activity {
            Activity(id: RecordID(rawValue: id)!, account: account.id, kind: kind, date: Self.day(date), note: "交货晚了", author: "li")
        }
        let records: [any KAMRecord] = [
            a, b,
            activity("1", a, .complaint, "2026-10-01"), activity("2", b, .complaint, "2026-11-01"),
            activity("3", a, .complaint, "2026-11-20"), activity("4", a, .visit, "2026-11-25"),
            activity("5", b, .complaint, "2025-01-01"),
        ]
        let report = ComplaintReport(Self.data(records), range: try DayRange(from: Self.day("2026-01-01")))
        #expect(report.total == 3)
        #expect(report.accounts.map(\.account.name) == ["A", "B"])
        #expect(report.accounts[0].complaints.map(\.id.rawValue) == ["3", "1"])
        #expect(report.accounts[0].complaints.first?.note == "交货晚了")
    }
}
