import Foundation
import KAMClient
import KAMProtocol
import Testing

@Suite("Replica")
struct ReplicaTests {
    static func replica(_ name: String = "li") throws -> Replica {
        let settings = ReplicaSettings(replica: ReplicaID(rawValue: "\(name)-laptop")!, server: URL(string: "http://127.0.0.1:1")!, token: "t")
        return try Replica(store: ReplicaStore.inMemory(settings: settings), author: name)
    }

    @Test("an account is added, found by id, prefix or name, and listed")
    func accounts() throws {
        let replica = try Self.replica()
        let account = try replica.addAccount(Account(name: "华为技术", industry: "电信", region: "华南", owner: "li", tier: .gold))
        #expect(try replica.resolveAccount(account.id.rawValue) == account.id)
        #expect(try replica.resolveAccount(String(account.id.rawValue.prefix(6))) == account.id)
        #expect(try replica.resolveAccount("华为技术") == account.id)
        #expect(try replica.resolveAccount("华为") == account.id)  // a unique prefix of the name
        #expect(throws: ClientError.unknownAccount("中兴")) { try replica.resolveAccount("中兴") }
        let summaries = try replica.accounts()
        #expect(summaries.map(\.name) == ["华为技术"])
        #expect(summaries.first?.stage == .development)
        #expect(try replica.accounts(AccountQuery(tier: .gold)).count == 1)
        #expect(try replica.accounts(AccountQuery(stage: .stable)).isEmpty)
        #expect(try replica.accounts(AccountQuery(text: "电信")).count == 1)
    }

    @Test("an account's owner history is kept, also when a change arrives a page before the account, and once when sent twice")
    func ownerHistory() throws {
        let replica = try Self.replica("zhao")
        let id = RecordID(rawValue: "acct-1")!
        var clock = DotClock(replica: ReplicaID(rawValue: "boss-laptop")!)
        let first = OwnerChange(account: id, at: Timestamp(rawValue: 1_000), by: "boss", from: [], to: ["li"])
        let second = OwnerChange(account: id, at: Timestamp(rawValue: 2_000), by: "boss", from: ["li"], to: ["wang"])
        try replica.store.apply(PullPage(records: [], authors: [:], cursor: 1, hasMore: true, ownerChanges: [first]))
        let account = Account(id: id, name: "ACME", owner: "wang").newState(clock: &clock, at: Timestamp(rawValue: 3_000))
        try replica.store.apply(PullPage(records: [account], authors: [:], cursor: 2, hasMore: true, ownerChanges: [second]))
        try replica.store.apply(PullPage(records: [], authors: [:], cursor: 3, hasMore: false, ownerChanges: [first, second]))
        #expect(try replica.account("ACME").ownerChanges == [first, second])
    }

    @Test("two accounts with one name are ambiguous, and the message lists both")
    func ambiguous() throws {
        let replica = try Self.replica()
        let a = try replica.addAccount(Account(id: RecordID(rawValue: "aaa-1")!, name: "ACME"))
        let b = try replica.addAccount(Account(id: RecordID(rawValue: "aaa-2")!, name: "ACME"))
        do {
            _ = try replica.resolveAccount("ACME")
            Issue.record("an ambiguous name was accepted")
        } catch let error as ClientError {
            #expect(error.description.contains(a.id.rawValue) && error.description.contains(b.id.rawValue))
        }
        #expect(throws: ClientError.self) { try replica.resolveAccount("aaa") }
        #expect(try replica.resolveAccount("aaa-2") == b.id)
    }

    @Test("a reference that matches several accounts and another record picks none, and lists them all")
    func ambiguousAcrossKinds() throws {
        let replica = try Self.replica()
        try replica.addAccount(Account(id: RecordID(rawValue: "acct-buyer")!, name: "Buyer"))
        let contact = try replica.addContact("Buyer", name: "王经理")
        let start = String(contact.id.rawValue.prefix(6))
        // Two accounts whose names start as the contact's id does.
        try replica.addAccount(Account(name: start + " 一"))
        try replica.addAccount(Account(name: start + " 二"))
        #expect {
            _ = try replica.resolveRecord(start)
        } throws: { error in
            guard case ClientError.ambiguousReference(_, let candidates) = error else { return false }
            return candidates.count == 3 && candidates.contains { $0.hasPrefix(contact.id.rawValue) }
        }
    }

    @Test("stage rules: one step forward, back with a reason, share in the band; a refused change writes nothing")
    func stages() throws {
        let replica = try Self.replica()
        let id = try replica.addAccount(Account(name: "ACME")).id
        let pendingBefore = try replica.status().pending
        #expect(throws: ClientError.stage(.skipsForward(from: .development, to: .stable))) {
            try replica.changeStage("ACME", to: .stable, share: try Share(percent: 60), reason: nil)
        }
        #expect(try replica.status().pending == pendingBefore)
        let change = try replica.changeStage("ACME", to: .initial, share: try Share(percent: 10), reason: "first order")
        #expect(change.from == .development && change.author == "li")
        #expect(throws: ClientError.stage(.shareOutsideBand(stage: .stable, share: try Share(percent: 30)))) {
            try replica.changeStage("ACME", to: .stable, share: try Share(percent: 30), reason: nil)
        }
        // The current share (10 %) does not fit stable: a share must be given.
        #expect(throws: ClientError.self) { try replica.changeStage("ACME", to: .stable, share: nil, reason: nil) }
        try replica.changeStage("ACME", to: .stable, share: try Share(percent: 55), reason: "won the tender")
        #expect(throws: ClientError.stage(.declineNeedsReason(from: .stable, to: .development))) {
            try replica.changeStage("ACME", to: .development, share: .zero, reason: nil)
        }
        try replica.changeStage("ACME", to: .development, share: .zero, reason: "lost the tender")
        let detail = try replica.account(id.rawValue)
        #expect(detail.stageHistory.map(\.to) == [.initial, .stable, .development])
        #expect(detail.stageHistory.last?.isDecline == true)
        #expect(detail.account.stage == .development && detail.account.share == .zero)
        #expect(throws: ClientError.self) { try replica.setAccount("ACME", ["share": "30"]) }  // outside development's band
        #expect(throws: ClientError.self) { try replica.setAccount("ACME", ["stage": "stable"]) }  // stage moves by the rules only
        #expect(throws: ClientError.self) { try replica.setAccount("ACME", ["share": "130"]) }
    }

    @Test("records: contacts, activities, opportunities, share records")
    func records() throws {
        let replica = try Self.replica()
        try replica.addAccount(Account(name: "ACME"))
        let contact = try replica.addContact("ACME", name: "王芳", title: "采购总监", role: .insideCoach)
        try replica.setContact(String(contact.id.rawValue.prefix(8)), ["title": "副总裁", "email": nil])
        try replica.logActivity("ACME", kind: .complaint, note: "交货延迟", date: try Day(parsing: "2026-11-20"))
        try replica.addOpportunity("ACME", kind: .costReduction, note: "budget cut 10 %")
        try replica.recordShare("ACME", period: .quarter(2026, 3), customerSpend: Money(minorUnits: 100_000), ourSales: Money(minorUnits: 40_000))
        #expect(throws: ClientError.self) {
            try replica.recordShare("ACME", period: .quarter(2026, 4), customerSpend: Money(minorUnits: 1), ourSales: Money(minorUnits: 2))
        }
        let detail = try replica.account("ACME")
        #expect(detail.contacts.map(\.title) == ["副总裁"])
        #expect(detail.activities.first?.author == "li")
        #expect(detail.opportunities.map(\.kind) == [.costReduction])
        #expect(detail.shareRecords.first?.share == (try Share(percent: 40)))
        #expect(try replica.records(Activity.self).count == 1)
        _ = try replica.removeContact(contact.id.rawValue)
        #expect(try replica.account("ACME").contacts.isEmpty)
    }

    @Test("pending field states come out oldest write first, and an acknowledged batch is no longer pending")
    func pending() throws {
        let replica = try Self.replica()
        try replica.addAccount(Account(name: "A"))
        try replica.addAccount(Account(name: "B"))
        func dots(_ batch: PendingBatch) -> [UInt64] {
            batch.request.records.flatMap { $0.fields.values.flatMap(\.siblings).map(\.dot.counter) }.sorted()
        }
        // A record the server has never seen travels whole, so the batch runs past its limit.
        let first = try #require(try replica.store.pendingBatch(limit: 3))
        #expect(dots(first) == [1, 2, 3, 4])
        try replica.store.acknowledge(first, PushAcknowledgement(accepted: 4, refused: [], sequence: 4))
        #expect(try replica.store.pendingBatch(limit: 100) == nil)
        // Edits of records the server holds are cut at the limit, oldest first.
        try replica.setAccount("A", ["region": "华东", "industry": "钢铁"])
        try replica.setAccount("B", ["region": "华南"])
        let second = try #require(try replica.store.pendingBatch(limit: 2))
        #expect(dots(second) == [5, 6])
        try replica.store.acknowledge(second, PushAcknowledgement(accepted: 2, refused: [], sequence: 6))
        #expect(try replica.status().pending == 1)
        #expect(dots(try #require(try replica.store.pendingBatch(limit: 100))) == [7])
    }

    @Test("a new record's later edit waits its turn: a batch stays near its limit, and batches keep counter order")
    func newRecordEditedLater() throws {
        let replica = try Self.replica()
        for n in 1...30 { try replica.addAccount(Account(name: "客户 \(n)")) }
        // Edited before its first push, after 29 other accounts were made.
        try replica.setAccount("客户 1", ["notes": "采购换人了", "region": "华东"])
        func counters(_ batch: PendingBatch) -> [UInt64] {
            batch.request.records.flatMap { record in
                record.fields.values.flatMap(\.siblings).map(\.dot.counter) + record.existence.siblings.map(\.dot.counter)
            }
        }
        var highest: UInt64 = 0
        var batches = 0
        while let batch = try replica.store.pendingBatch(limit: 10) {
            let sent = counters(batch)
            #expect(batch.count <= 12, "a batch carries its limit and at most the rest of one new record, not \(batch.count)")
            #expect(sent.min()! > highest, "the server takes a replica's new writes only in counter order")
            highest = sent.max()!
            batches += 1
            try replica.store.acknowledge(batch, PushAcknowledgement(accepted: batch.count, refused: [], sequence: UInt64(batches)))
        }
        #expect(try batches > 1 && replica.status().pending == 0)
    }

    @Test("a refused record the server holds keeps the fields its batch did not carry pending, for a later push")
    func refusedKeepsUnsent() throws {
        let replica = try Self.replica()
        let acme = try replica.addAccount(Account(name: "ACME"))
        let created = try #require(try replica.store.pendingBatch(limit: 100))
        try replica.store.acknowledge(created, PushAcknowledgement(accepted: created.count, refused: [], sequence: 1))
        try replica.setAccount("ACME", ["region": "华东"])
        try replica.setAccount("ACME", ["notes": "采购换人了"])
        let first = try #require(try replica.store.pendingBatch(limit: 1))
        #expect(first.request.records.map { Set($0.fields.keys) } == [["region"]])
        try replica.store.acknowledge(first, PushAcknowledgement(
            accepted: 0, refused: [PushRefusal(kind: .account, id: acme.id, field: "region", code: "not-owner", message: "not yours")], sequence: 1))
        #expect(try replica.refusals().map(\.edits) == [["region": .text("华东")]])
        let next = try #require(try replica.store.pendingBatch(limit: 100), "the notes were never sent: they go next")
        #expect(next.request.records.map { Set($0.fields.keys) } == [["notes"]])
    }
}
