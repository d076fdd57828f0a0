import Foundation
import GRDB
import KAMProtocol
import KAMServer
import Testing

/// The sync service's behaviour, over every storage.
@Suite("Sync service")
struct SyncServiceTests {
    @Test("tokens work until revoked and are stored only as hashes", arguments: Storage.all)
    func users(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        let token = fixture.tokens["li"]!
        #expect(token.hasPrefix("kam_") && token.count >= 40)
        #expect(try await fixture.store.authenticate(token: token)?.name == "li")
        #expect(try await fixture.store.authenticate(token: token + "x") == nil)
        try await fixture.store.revokeUser(name: "li")
        #expect(try await fixture.store.authenticate(token: token) == nil)
        #expect(try await fixture.store.users().map(\.name) == ["li", "office", "wang", "zhao"])
        await #expect(throws: UserError.exists("wang")) { try await fixture.store.addUser(name: "wang", role: .rep) }
        await #expect(throws: UserError.badName("a b")) { try await fixture.store.addUser(name: "a b", role: .rep) }
        await #expect(throws: UserError.unknown("nobody")) { try await fixture.store.revokeUser(name: "nobody") }
    }

    @Test("a push is merged, pulled back, and re-sending it changes nothing", arguments: Storage.all)
    func pushPullRetry(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        let id = li.create(account("华为", owner: "li"))
        let push = li.pushRequest()
        let first = try await fixture.store.push(push, by: li.user)
        #expect(first.accepted == 4)  // name, region, owner, stage
        #expect(first.refused.isEmpty)
        let again = try await fixture.store.push(push, by: li.user)
        #expect(again.sequence == first.sequence)
        let page = try await fixture.store.pull(since: 0, limit: 100, for: li.user)
        #expect(page.records == [li.states[id]!])
        #expect(page.authors[li.clock.replica] == "li")
        #expect(page.cursor == first.sequence && !page.hasMore)
        let empty = try await fixture.store.pull(since: page.cursor, limit: 100, for: li.user)
        #expect(empty.records.isEmpty && empty.cursor == page.cursor)
    }

    @Test("pages follow the cursor and never skip a change", arguments: Storage.all)
    func paging(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        let ids = (0..<20).map { li.create(account("account \($0)", owner: "li")) }
        _ = try await fixture.store.push(li.pushRequest(), by: li.user)
        var office = try await fixture.laptop("zhao", replica: "zhao-laptop")
        var cursor: UInt64 = 0
        var pages = 0
        var more = true
        while more {
            let page = try await fixture.store.pull(since: cursor, limit: 7, for: office.user)
            office.apply(page)
            #expect(page.cursor > cursor)
            cursor = page.cursor
            more = page.hasMore
            pages += 1
        }
        #expect(pages == 6)  // 20 records and 20 owner changes (each account's first owner), 7 a page
        for id in ids { #expect(office.states[id] == li.states[id]) }
    }

    @Test("a rep with one account on a busy feed pages through exactly its own changes", arguments: Storage.all)
    func pagingPastOtherReps(_ storage: Storage) async throws {
        // Many changes by wang after li's account: li's pull reads li's accounts
        // first rather than walking wang's changes (see the SQLite storage's feedQuery).
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        var wang = try await fixture.laptop("wang", replica: "wang-laptop")
        let mine = li.create(account("mine", owner: "li"))
        li.write(mine, "notes", .text("first"))
        _ = try await fixture.store.push(li.pushRequest(), by: li.user)
        for index in 0..<40 { _ = wang.create(account("wang \(index)", owner: "wang")) }
        _ = try await fixture.store.push(wang.pushRequest(), by: wang.user)
        li.write(mine, "notes", .text("second"))
        _ = try await fixture.store.push(li.pushRequest(), by: li.user)

        var reader = try await fixture.laptop("li", replica: "li-second-laptop")
        for limit in [1, 2, 100] {
            reader.states = [:]
            var cursor: UInt64 = 0
            var more = true
            var seen: [RecordID] = []
            while more {
                let page = try await fixture.store.pull(since: cursor, limit: limit, for: reader.user)
                reader.apply(page)
                seen += page.records.map(\.id)
                #expect(page.cursor > cursor)
                cursor = page.cursor
                more = page.hasMore
            }
            #expect(Set(seen) == [mine])
            #expect(reader.states[mine] == li.states[mine])
            let current = try await fixture.store.pull(since: cursor, limit: limit, for: reader.user)
            #expect(current.records.isEmpty && !current.hasMore && current.cursor == cursor)
        }
    }

    @Test("two laptops' pushes in either order give the same merged state", arguments: Storage.all)
    func orderIndependence(_ storage: Storage) async throws {
        for liFirst in [true, false] {
            let fixture = try await StoreFixture(try await storage.make())
            var li = try await fixture.laptop("li", replica: "li-laptop")
            var zhao = try await fixture.laptop("zhao", replica: "zhao-laptop")
            let id = li.create(account("宝钢", owner: "li"))
            var liCursor: UInt64 = 0
            var zhaoCursor: UInt64 = 0
            _ = try await fixture.sync(&li, cursor: &liCursor)
            _ = try await fixture.sync(&zhao, cursor: &zhaoCursor)
            // Offline: both edit the region, li the notes, zhao the tier.
            li.write(id, "region", .text("华南"))
            li.write(id, "notes", .text("采购换人"))
            zhao.write(id, "region", .text("华北"))
            zhao.write(id, "tier", .text("gold"))
            let liPush = li.pushRequest()
            let zhaoPush = zhao.pushRequest()
            if liFirst {
                _ = try await fixture.store.push(liPush, by: li.user)
                let ack = try await fixture.store.push(zhaoPush, by: zhao.user)
                #expect(ack.conflicts == 1)
            } else {
                _ = try await fixture.store.push(zhaoPush, by: zhao.user)
                _ = try await fixture.store.push(liPush, by: li.user)
            }
            let detail = try #require(try await fixture.store.account(id, for: fixture.users["office"]!))
            #expect(detail.account.notes == "采购换人")
            #expect(detail.account.tier == .gold)
            #expect(detail.conflicts.count == 1)
            let conflict = try #require(detail.conflicts.first)
            #expect(conflict.field == "region")
            #expect(Set(conflict.values.map(\.value)) == [.text("华南"), .text("华北")])
            #expect(Set(conflict.values.compactMap(\.author)) == ["li", "zhao"])
            // Both laptops end with the same state after syncing.
            _ = try await fixture.sync(&li, cursor: &liCursor)
            _ = try await fixture.sync(&zhao, cursor: &zhaoCursor)
            #expect(li.states[id] == zhao.states[id])
            let list = try await fixture.store.accounts(matching: AccountQuery(hasConflicts: true), for: fixture.users["office"]!)
            #expect(list.accounts.map(\.id) == [id])
        }
    }

    @Test("a record and its new account merge in one batch, whatever their order", arguments: Storage.all)
    func batchOrder(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        let id = li.create(account("华为", owner: "li"))
        li.create(Contact(account: id, name: "王芳"))
        let push = li.pushRequest()
        let reversed = PushRequest(replica: push.replica, records: push.records.reversed())
        let ack = try await fixture.store.push(reversed, by: li.user)
        #expect(ack.refused.isEmpty)
        #expect(try await fixture.store.account(id, for: li.user)?.contacts.map(\.name) == ["王芳"])
    }

    @Test("a rep may not change another rep's account; the rest of the batch is merged", arguments: Storage.all)
    func permissions(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        var wang = try await fixture.laptop("wang", replica: "wang-laptop")
        let lis = li.create(account("华为", owner: "li"))
        var liCursor: UInt64 = 0
        _ = try await fixture.sync(&li, cursor: &liCursor)
        // wang got the state some other way (say the account was his before) and edits it,
        // in the same push as an account of his own.
        wang.states[lis] = li.states[lis]
        wang.write(lis, "notes", .text("mine now"))
        let wangs = wang.create(account("中兴", owner: "wang"))
        wang.create(Contact(account: lis, name: "王芳"))
        let ack = try await fixture.store.push(wang.pushRequest(), by: wang.user)
        #expect(Set(ack.refused.map(\.id)).contains(lis))
        #expect(ack.refused.allSatisfy { $0.code == "not-owner" })
        #expect(ack.refused.count == 2)
        #expect(ack.refused.allSatisfy { !$0.message.contains("belongs to") && $0.message.contains("wang") && !$0.message.contains("li ") })
        let office = fixture.users["office"]!
        #expect(try await fixture.store.account(lis, for: office)?.account.notes == nil)
        #expect(try await fixture.store.account(wangs, for: office) != nil)
        // The refusal does not block wang's later syncs.
        wang.write(wangs, "notes", .text("follow up"))
        let later = try await fixture.store.push(wang.pushRequest(), by: wang.user)
        #expect(later.refused.isEmpty)
        // The office reads only.
        var officeLaptop = try await fixture.laptop("office", replica: "office-pc")
        officeLaptop.create(account("x", owner: "office"))
        await #expect(throws: SyncError.pushForbidden(.office)) {
            try await fixture.store.push(officeLaptop.pushRequest(), by: office)
        }
        // A manager may write every account.
        var zhao = try await fixture.laptop("zhao", replica: "zhao-laptop")
        zhao.states[lis] = li.states[lis]
        zhao.write(lis, "tier", .text("platinum"))
        #expect(try await fixture.store.push(zhao.pushRequest(), by: zhao.user).refused.isEmpty)
    }

    @Test("reps see their own accounts; a new owner pulls the account's whole history", arguments: Storage.all)
    func visibilityAndReassignment(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        var wang = try await fixture.laptop("wang", replica: "wang-laptop")
        let id = li.create(account("华为", owner: "li"))
        let contact = li.create(Contact(account: id, name: "王芳", role: .insideCoach))
        var liCursor: UInt64 = 0
        var wangCursor: UInt64 = 0
        _ = try await fixture.sync(&li, cursor: &liCursor)
        _ = try await fixture.sync(&wang, cursor: &wangCursor)
        #expect(wang.states.isEmpty)
        #expect(try await fixture.store.account(id, for: wang.user) == nil)
        // A manager hands the account to wang.
        var zhao = try await fixture.laptop("zhao", replica: "zhao-laptop")
        var zhaoCursor: UInt64 = 0
        _ = try await fixture.sync(&zhao, cursor: &zhaoCursor)
        zhao.write(id, "owner", .text("wang"))
        _ = try await fixture.sync(&zhao, cursor: &zhaoCursor)
        _ = try await fixture.sync(&li, cursor: &liCursor)
        _ = try await fixture.sync(&wang, cursor: &wangCursor)
        #expect(wang.states[id] == zhao.states[id])
        #expect(wang.states[contact] == zhao.states[contact])
        #expect(li.states[id] == nil && li.states[contact] == nil, "the account left li's laptop")
        #expect(try await fixture.store.accounts(matching: AccountQuery(), for: wang.user).accounts.map(\.id) == [id])
    }

    @Test("forged history and restored backups are refused and nothing is merged", arguments: Storage.all)
    func forgery(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        _ = try await fixture.laptop("wang", replica: "wang-laptop")
        li.create(account("华为", owner: "li"))
        let before = try await fixture.store.push(li.pushRequest(), by: li.user)

        // A write signed with wang's replica.
        var forger = Laptop(fixture.users["li"]!, replica: "wang-laptop")
        forger.create(account("fake", owner: "li"))
        var push = forger.pushRequest()
        push = PushRequest(replica: li.clock.replica, records: push.records)
        await #expect(throws: SyncError.self) { try await fixture.store.push(push, by: li.user) }

        // A laptop restored from a backup made before the first push.
        var restored = Laptop(fixture.users["li"]!, replica: "li-laptop")
        restored.create(account("after restore", owner: "li"))
        do {
            _ = try await fixture.store.push(restored.pushRequest(), by: li.user)
            Issue.record("a reused counter was merged")
        } catch let SyncError.history(violation) {
            #expect(violation.code == "replica-reused-counter")
        }
        // Another user's replica may not be used.
        let wang = fixture.users["wang"]!
        await #expect(throws: SyncError.replicaOfAnotherUser(li.clock.replica)) {
            try await fixture.store.push(PushRequest(replica: li.clock.replica, records: []), by: wang)
        }
        await #expect(throws: SyncError.replicaOfAnotherUser(li.clock.replica)) {
            try await fixture.store.registerReplica(li.clock.replica, for: wang)
        }
        await #expect(throws: SyncError.replicaNotRegistered(ReplicaID(rawValue: "nobody")!)) {
            try await fixture.store.push(PushRequest(replica: ReplicaID(rawValue: "nobody")!, records: []), by: wang)
        }
        let page = try await fixture.store.pull(since: 0, limit: 1_000, for: fixture.users["zhao"]!)
        #expect(page.records.count == 1)
        #expect(page.cursor == before.sequence)
    }

    @Test("bad values are refused before anything is written", arguments: Storage.all)
    func badValues(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        let id = li.create(account("华为", owner: "li"))
        li.write(id, "stage", .text("won"))
        await #expect(throws: SyncError.self) { try await fixture.store.push(li.pushRequest(), by: li.user) }
        #expect(try await fixture.store.pull(since: 0, limit: 10, for: li.user).records.isEmpty)
        await #expect(throws: PullError.cursorAhead(since: 99, server: 0)) {
            try await fixture.store.pull(since: 99, limit: 10, for: li.user)
        }
    }

    @Test("office queries: filters, text, detail with history, pipeline", arguments: Storage.all)
    func officeQueries(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        var wang = try await fixture.laptop("wang", replica: "wang-laptop")
        let huawei = li.create(account("华为技术", owner: "li", stage: .stable, share: 60))
        li.create(account("中兴通讯", owner: "li", stage: .initial, share: 20))
        wang.create(account("ACME 100% Steel", owner: "wang", stage: .stable, share: 70))
        li.create(StageChange(account: huawei, from: .initial, to: .stable, share: try Share(percent: 60), reason: "won tender", author: "li", at: Laptop.at))
        li.create(try ShareRecord(account: huawei, period: .quarter(2026, 2), customerSpend: Money(minorUnits: 1_000), ourSales: Money(minorUnits: 700)))
        li.create(try ShareRecord(account: huawei, period: .quarter(2026, 3), customerSpend: Money(minorUnits: 1_000), ourSales: Money(minorUnits: 600)))
        _ = try await fixture.store.push(li.pushRequest(), by: li.user)
        _ = try await fixture.store.push(wang.pushRequest(), by: wang.user)
        let office = fixture.users["office"]!

        #expect(try await fixture.store.accounts(matching: AccountQuery(stage: .stable), for: office).total == 2)
        #expect(try await fixture.store.accounts(matching: AccountQuery(owner: "li"), for: office).total == 2)
        #expect(try await fixture.store.accounts(matching: AccountQuery(text: "华为"), for: office).accounts.map(\.id) == [huawei])
        #expect(try await fixture.store.accounts(matching: AccountQuery(text: "100%"), for: office).total == 1)
        #expect(try await fixture.store.accounts(matching: AccountQuery(region: "华东", limit: 2, offset: 2), for: office).accounts.count == 1)
        #expect(try await fixture.store.accounts(matching: AccountQuery(), for: li.user).total == 2)

        let detail = try #require(try await fixture.store.account(huawei, for: office))
        #expect(detail.stageHistory.map(\.to) == [.stable])
        #expect(detail.shareRecords.map(\.period.rawValue) == ["2026-Q2", "2026-Q3"])
        #expect(detail.decline?.pace == "onset")
        #expect(detail.reviewFlags.isEmpty)

        let pipeline = try await fixture.store.pipeline(for: office)
        #expect(pipeline.accounts == 3)
        let stable = try #require(pipeline.stages.first { $0.stage == .stable })
        let sixtyFive = try Share(percent: 65)
        #expect(stable.accounts == 2 && stable.averageShare == sixtyFive)
        #expect(pipeline.owners.map(\.owner) == ["li", "wang"])
    }

    @Test("data survives closing and reopening the store")
    func restart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var li: Laptop
        let id: RecordID
        do {
            let fixture = try await StoreFixture(SQLiteStore.open(directory: directory, logger: .init(label: "test")))
            li = try await fixture.laptop("li", replica: "li-laptop")
            id = li.create(account("华为", owner: "li"))
            _ = try await fixture.store.push(li.pushRequest(), by: li.user)
        }
        let reopened = SyncService(storage: try SQLiteStore.open(directory: directory, logger: .init(label: "test")))
        let user = try #require(try await reopened.users().first { $0.name == "li" })
        let page = try await reopened.pull(since: 0, limit: 100, for: user)
        #expect(page.records == [li.states[id]!])
        // And the replica's counters are remembered: a replayed old dot is still caught.
        var restored = Laptop(user, replica: "li-laptop")
        restored.create(account("again", owner: "li"))
        await #expect(throws: SyncError.self) { try await reopened.push(restored.pushRequest(), by: user) }
    }
}
