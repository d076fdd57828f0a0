import Foundation
import KAMProtocol
import Testing

@Suite("Domain values")
struct DomainValueTests {
    @Test("share is derived from the customer's spend and our sales")
    func shareFromSpendAndSales() throws {
        let spend = try Money(parsing: "1,200,000")
        let sales = try Money(parsing: "450000")
        let share = try #require(try Share(ourSales: sales, customerSpend: spend))
        #expect(share.basisPoints == 3_750)
        #expect(share.description == "37.5 %")
        #expect(try Share(ourSales: sales, customerSpend: Money(minorUnits: 0)) == nil)
        #expect(throws: DomainError.salesExceedSpend(ourSales: spend, customerSpend: sales)) {
            try Share(ourSales: spend, customerSpend: sales)
        }
    }

    @Test("text limits count characters and bytes; control characters are refused, but newlines and tabs in notes")
    func textLimits() throws {
        let name = Account.schema
        #expect(throws: Never.self) { try name.check(field: "name", value: .text(String(repeating: "华", count: 200))) }
        #expect(throws: DomainError.textTooLong(field: "name", limit: 200)) {
            try name.check(field: "name", value: .text(String(repeating: "华", count: 201)))
        }
        // One character made of 5,000 code points.
        let heavy = "a" + String(repeating: "\u{0301}", count: 5_000)
        #expect(heavy.count == 1)
        #expect(throws: DomainError.textTooLarge(field: "name", bytes: 800)) { try name.check(field: "name", value: .text(heavy)) }
        for control in ["\u{1B}[31m", "a\nb", "\u{7}", "\u{9B}2J", "\u{7F}", "a\rb"] {
            #expect(throws: DomainError.controlCharacter(field: "name", multiline: false)) { try name.check(field: "name", value: .text(control)) }
        }
        #expect(throws: Never.self) { try name.check(field: "notes", value: .text("line one\n\tline two")) }
        #expect(throws: DomainError.controlCharacter(field: "notes", multiline: true)) {
            try name.check(field: "notes", value: .text("red \u{1B}[31m"))
        }
        #expect(throws: DomainError.timeOutOfRange(field: "at")) {
            try StageChange.schema.check(field: "at", value: .integer(Int64.min))
        }
    }

    @Test("Unicode's control characters are exactly U+0000–U+001F and U+007F–U+009F, as the text check assumes")
    func controlCharacters() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect((scalar.properties.generalCategory == .control) == (value < 0x20 || (0x7F...0x9F).contains(value)), "U+\(String(value, radix: 16))")
        }
        let spec = FieldType.text(maxLength: 10)
        #expect(throws: DomainError.self) { try spec.check(.text("a\u{85}b"), field: "name") }
        #expect(throws: DomainError.self) { try spec.check(.text("a\u{7F}b"), field: "name") }
        #expect(throws: DomainError.self) { try spec.check(.text("abcdefghijk"), field: "name") }
        #expect(throws: Never.self) { try spec.check(.text("华为 \u{A0}a"), field: "name") }
    }

    @Test("typed shares", arguments: [("35", 3_500), ("37.5", 3_750), ("80 %", 8_000), ("0", 0), ("100", 10_000), ("12.345", 1_235)])
    func shareParsing(text: String, basisPoints: Int) throws {
        #expect(try Share(parsing: text).basisPoints == basisPoints)
    }

    @Test("bad shares are refused with a message", arguments: ["130", "-1", "abc", "nan", ""])
    func badShares(text: String) {
        #expect(throws: DomainError.self) { try Share(parsing: text) }
    }

    @Test("share 130 says the range")
    func share130Message() {
        do {
            _ = try Share(parsing: "130")
            Issue.record("share 130 was accepted")
        } catch {
            #expect(error.description == "share 130 is outside 0–100: give a percentage from 0 to 100")
        }
    }

    @Test("money", arguments: [("1200000", Int64(120_000_000)), ("1,200,000.5", 120_000_050), ("0.07", 7), ("42", 4_200)])
    func money(text: String, minorUnits: Int64) throws {
        #expect(try Money(parsing: text).minorUnits == minorUnits)
    }

    @Test("bad amounts are refused", arguments: ["", "-5", "1.234", "1e6", "abc", "99999999999999999999"])
    func badMoney(text: String) {
        #expect(throws: DomainError.self) { try Money(parsing: text) }
    }

    @Test("money prints with separators")
    func moneyDescription() {
        #expect(Money(minorUnits: 120_000_050).description == "1,200,000.50")
        #expect(Money(minorUnits: 99_900).description == "999")
    }

    @Test("periods: quarters and months, ordered by start")
    func periods() throws {
        let q3 = try Period(parsing: "2026-Q3")
        #expect(q3 == .quarter(2026, 3))
        #expect(q3.rawValue == "2026-Q3")
        #expect(try Period(parsing: "2026-q3") == q3)
        #expect(try Period(parsing: "2026-07") == .month(2026, 7))
        #expect(Period.quarter(2026, 1).previous == .quarter(2025, 4))
        #expect(Period.month(2026, 1).previous == .month(2025, 12))
        #expect(Period.quarter(2026, 2) < .quarter(2026, 3))
        #expect(Period.quarter(2025, 4) < .month(2026, 1))
    }

    @Test("bad periods are refused", arguments: ["2026-Q5", "2026-Q0", "26-Q3", "2026Q3", "2026-13", "Q3-2026", ""])
    func badPeriods(text: String) {
        #expect(throws: DomainError.badPeriod(text)) { try Period(parsing: text) }
    }

    @Test("days are checked against the calendar")
    func days() throws {
        #expect(try Day(parsing: "2028-02-29").description == "2028-02-29")
        #expect(throws: DomainError.self) { try Day(parsing: "2026-02-29") }
        #expect(throws: DomainError.self) { try Day(parsing: "2026-11-31") }
        #expect(throws: DomainError.self) { try Day(parsing: "23.11.2026") }
        #expect(try Day(parsing: "2026-11-23").quarter == .quarter(2026, 4))
    }

    @Test("timestamps keep whole milliseconds and print as ISO 8601")
    func timestamps() {
        let stamp = Timestamp(rawValue: 1_795_427_400_123)
        #expect(stamp.description == "2026-11-23T09:50:00.123Z")
        #expect(Timestamp(rawValue: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(rawValue: 951_782_400_007).description == "2000-02-29T00:00:00.007Z")
        #expect(Timestamp(rawValue: -1).description == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(stamp.date) == stamp)
    }

    @Test("every Int64 timestamp prints without trapping; outside years 1 to 9999 as its raw number",
          arguments: [Int64.min, Int64.min + 1, -62_135_596_800_001, -62_135_596_800_000, 253_402_300_799_999, 253_402_300_800_000, Int64.max - 1, Int64.max])
    func extremeTimestamps(raw: Int64) {
        let text = Timestamp(rawValue: raw).description
        switch raw {
        case -62_135_596_800_000: #expect(text == "0001-01-01T00:00:00.000Z")
        case 253_402_300_799_999: #expect(text == "9999-12-31T23:59:59.999Z")
        default: #expect(text == "\(raw) ms")
        }
        #expect(Timestamp(Timestamp(rawValue: raw).date).rawValue != 0 || raw == 0)
    }

    @Test("ids refuse characters that do not travel")
    func ids() {
        #expect(ReplicaID(rawValue: "laptop-01") != nil)
        #expect(ReplicaID(rawValue: "") == nil)
        #expect(ReplicaID(rawValue: "a b") == nil)
        #expect(ReplicaID(rawValue: String(repeating: "x", count: 65)) == nil)
        #expect(RecordID(rawValue: "a/b") == nil)
        #expect(ReplicaID.random() != ReplicaID.random())
    }

    @Test("share-record ids come from the account and the period")
    func naturalKey() throws {
        let account = RecordID(rawValue: "acct-7")!
        let id = RecordID.shareRecord(account: account, period: .quarter(2026, 3))
        #expect(id.rawValue == "acct-7:2026-Q3")
        let record = try ShareRecord(
            account: account, period: .quarter(2026, 3), customerSpend: Money(minorUnits: 100), ourSales: Money(minorUnits: 40))
        #expect(record.id == id)
    }
}
