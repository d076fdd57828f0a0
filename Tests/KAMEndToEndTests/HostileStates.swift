import Foundation
import KAMProtocol

/// A pull page as a hostile or broken peer could send it: terminal escapes in
/// every kind of text, the extreme timestamps, the largest amounts and the
/// longest texts the schema allows. Every value passes the schema's checks.
enum HostileStates {
    static let account = RecordID(rawValue: "hostile-account")!
    static let name = "ACME\u{1B}[31m\u{9B}2J" + String(repeating: "长", count: 180)
    static let zhao = ReplicaID(rawValue: "zhao-laptop")!
    static let wang = ReplicaID(rawValue: "wang-laptop")!

    static func page() throws -> PullPage {
        var clock = DotClock(replica: zhao)
        let early = Timestamp(rawValue: .min)
        let late = Timestamp(rawValue: .max)
        var accountState = Account(
            id: account, name: name, industry: "\u{1B}]0;owned\u{07}", region: "华东\u{9B}", owner: "evil\u{1B}[2J",
            tier: .platinum, notes: "first line\u{1B}[1A\nsecond line\t\u{9B}" + String(repeating: "x", count: 9_000),
            stage: .strategic, share: .full
        ).newState(clock: &clock, at: early)
        // The region in conflict: written on two laptops at the two ends of time.
        var wangClock = DotClock(replica: wang)
        var wangState = RecordState(kind: .account, id: account)
        wangState.write("region", .text("\u{1B}[41m华北"), clock: &wangClock, at: late)
        accountState.join(wangState)
        let records: [RecordState] = [
            accountState,
            Contact(account: account, name: "王芳\u{1B}[8m", title: "\u{9B}31m采购总监", role: .decisionMaker, email: "a\u{7F}@b", phone: "\u{1B}c")
                .newState(clock: &clock, at: late),
            Activity(account: account, kind: .complaint, date: try Day(parsing: "2999-12-31"), note: "late\u{1B}[5m", author: "zhao\u{9B}")
                .newState(clock: &clock, at: early),
            Opportunity(account: account, kind: .costReduction, note: "\u{1B}[?1049h").newState(clock: &clock, at: late),
            try ShareRecord(account: account, period: .quarter(2999, 4), customerSpend: .maximum, ourSales: .maximum)
                .newState(clock: &clock, at: early),
            try ShareRecord(account: account, period: .quarter(2999, 3), customerSpend: .maximum, ourSales: Money(minorUnits: 0))
                .newState(clock: &clock, at: late),
            try ShareRecord(account: account, period: .month(1900, 1), customerSpend: Money(minorUnits: 0), ourSales: Money(minorUnits: 0))
                .newState(clock: &clock, at: early),
            StageChange(account: account, from: .stable, to: .strategic, share: .full, reason: "\u{1B}[31mwon", author: "zhao\u{1B}", at: early)
                .newState(clock: &clock, at: early),
            StageChange(account: account, from: .initial, to: .stable, share: .zero, reason: nil, author: nil, at: late)
                .newState(clock: &clock, at: late),
        ]
        return PullPage(records: records, authors: [zhao: "zhao\u{1B}[2J", wang: "wang\u{9B}"], cursor: 77, hasMore: false)
    }
}
