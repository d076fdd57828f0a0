import Foundation
import KAMProtocol
import KAMServer
import Testing

/// Probes of a hostile or buggy client against the sync service: none may
/// crash the server, forge or steal, and a lost answer never strands a laptop.
/// Each runs over every storage.
@Suite("Trust")
struct TrustTests {
    /// li (rep) owns 华为; wang (rep) owns 宝钢 with a contact on it.
    struct Territory {
        let fixture: StoreFixture
        var li: Laptop
        var wang: Laptop
        let huawei: RecordID
        let baosteel: RecordID
        let contact: RecordID

        init(_ storage: Storage) async throws {
            fixture = try await StoreFixture(try storage.make())
            li = try await fixture.laptop("li", replica: "li-laptop")
            wang = try await fixture.laptop("wang", replica: "wang-laptop")
            huawei = li.create(account("华为", owner: "li"))
            baosteel = wang.create(account("宝钢", owner: "wang"))
            contact = wang.create(Contact(account: baosteel, name: "王芳", phone: "13800000000"))
            var liCursor: UInt64 = 0
            var wangCursor: UInt64 = 0
            _ = try await fixture.sync(&li, cursor: &liCursor)
            _ = try await fixture.sync(&wang, cursor: &wangCursor)
        }

        /// Every record `user` pulls from the start.
        func visible(to user: String) async throws -> [RecordID: RecordState] {
            var states: [RecordID: RecordState] = [:]
            var cursor: UInt64 = 0
            var more = true
            while more {
                let page = try await fixture.store.pull(since: cursor, limit: 1_000, for: fixture.users[user]!)
                for record in page.records { states[record.id] = states[record.id].map { $0.joined(with: record) } ?? record }
                cursor = page.cursor
                more = page.hasMore
            }
            return states
        }
    }

    @Test("a dot counter of 2^63 or a time outside the years 1970 to 9999 is refused, whoever's account it names", arguments: Storage.all)
    func extremeValues(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        for target in [world.huawei, world.baosteel] {
            var state = RecordState(kind: .account, id: target)
            state.write("notes", .text("x"), dot: Dot(replica: world.li.clock.replica, counter: UInt64(1) << 63), at: Laptop.at)
            await #expect(throws: SyncError.self) {
                try await world.fixture.store.push(PushRequest(replica: world.li.clock.replica, records: [state]), by: world.li.user)
            }
            var early = RecordState(kind: .account, id: target)
            early.write("notes", .text("x"), dot: world.li.clock.next(), at: Timestamp(rawValue: Int64.min))
            await #expect(throws: SyncError.self) {
                try await world.fixture.store.push(PushRequest(replica: world.li.clock.replica, records: [early]), by: world.li.user)
            }
        }
        // The server still works, for everyone.
        world.li.write(world.huawei, "notes", .text("still here"))
        let ack = try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user)
        #expect(ack.refused.isEmpty)
    }

    @Test("a rep cannot move another rep's contact into their own account", arguments: Storage.all)
    func moveTheft(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        // li forges the contact's account field: a new write of li's whose
        // version vector covers wang's value.
        let wangsWrite = try #require(world.wang.states[world.contact]!["account"].siblings.first).dot
        let dot = world.li.clock.next()
        let register = try Register(
            siblings: [Sibling<FieldValue>(dot: dot, value: .text(world.huawei.rawValue), at: Laptop.at)],
            context: VersionVector([wangsWrite.replica: wangsWrite.counter, dot.replica: dot.counter]))
        let forged = RecordState(kind: .contact, id: world.contact, fields: ["account": register])
        // Claiming to have seen wang's write reads as for an id the server does not hold: forged history.
        await #expect(throws: SyncError.history(.unseenHistory(replica: wangsWrite.replica, counter: wangsWrite.counter, field: "account"))) {
            try await world.fixture.store.push(PushRequest(replica: world.li.clock.replica, records: [forged]), by: world.li.user)
        }
        // Without the claim, the write is refused like any write to a record one may not change.
        let plain = try Register(
            siblings: [Sibling<FieldValue>(dot: world.li.clock.next(), value: .text(world.huawei.rawValue), at: Laptop.at)],
            context: VersionVector([world.li.clock.replica: world.li.clock.counter]))
        let move = RecordState(kind: .contact, id: world.contact, fields: ["account": plain])
        let ack = try await world.fixture.store.push(PushRequest(replica: world.li.clock.replica, records: [move]), by: world.li.user)
        #expect(ack.refused.map(\.code) == ["not-owner"])
        #expect(!ack.refused[0].message.contains("wang") && !ack.refused[0].message.contains("王芳"))
        #expect(try await world.visible(to: "li")[world.contact] == nil, "the thief does not see the contact")
        let wangSees = try await world.visible(to: "wang")
        #expect(wangSees[world.contact]?["account"].value == .text(world.baosteel.rawValue), "the owner still does")
    }

    @Test("a moved record needs write access to the account it leaves and the one it joins", arguments: Storage.all)
    func moves(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        let zhaoUser = world.fixture.users["zhao"]!
        var zhao = try await world.fixture.laptop("zhao", replica: "zhao-laptop")
        var cursor: UInt64 = 0
        _ = try await world.fixture.sync(&zhao, cursor: &cursor)
        // wang may not move his contact into li's account.
        world.wang.write(world.contact, "account", .text(world.huawei.rawValue))
        let refused = try await world.fixture.store.push(world.wang.pushRequest(), by: world.wang.user)
        #expect(refused.refused.map(\.code) == ["not-owner"])
        // A manager may; then li sees it and wang does not.
        zhao.write(world.contact, "account", .text(world.huawei.rawValue))
        let moved = try await world.fixture.store.push(zhao.pushRequest(), by: zhaoUser)
        #expect(moved.refused.isEmpty)
        #expect(try await world.visible(to: "li")[world.contact] != nil)
        #expect(try await world.visible(to: "wang")[world.contact]?["account"].value != .text(world.baosteel.rawValue))
    }

    @Test("authors come from the pushing user, never from the client", arguments: Storage.all)
    func forgedAuthor(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        let forged = world.li.create(StageChange(account: world.huawei, from: .development, to: .initial, author: "zhao", at: Laptop.at))
        let own = world.li.create(StageChange(account: world.huawei, from: .development, to: .initial, author: "li", at: Laptop.at))
        let none = world.li.create(Activity(account: world.huawei, kind: .visit, date: try Day(parsing: "2026-11-30"), note: "met"))
        let ack = try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user)
        #expect(ack.refused.map(\.id) == [forged])
        #expect(ack.refused.map(\.code) == ["not-author"])
        let seen = try await world.visible(to: "zhao")
        #expect(seen[forged] == nil && seen[own] != nil && seen[none] != nil)
    }

    @Test("an author is written once, when the record is created, by the user who pushes it", arguments: Storage.all)
    func authorNeverChanges(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        let visit = world.li.create(Activity(account: world.huawei, kind: .visit, date: try Day(parsing: "2026-11-30"), author: "li"))
        #expect(try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user).refused.isEmpty)
        var zhao = try await world.fixture.laptop("zhao", replica: "zhao-laptop")
        var cursor: UInt64 = 0
        _ = try await world.fixture.sync(&zhao, cursor: &cursor)
        zhao.write(visit, "author", .text("zhao"))
        #expect(try await world.fixture.store.push(zhao.pushRequest(), by: zhao.user).refused.map(\.code) == ["not-author"])
    }

    @Test("ids of the form ACCOUNT:PERIOD are kept for share records", arguments: Storage.all)
    func shareRecordShapeIsReserved(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        let squatter = try Account(id: RecordID(rawValue: "\(world.baosteel.rawValue):2026-Q4")!, values: account("假", owner: "li").fieldValues)
        world.li.create(squatter)
        #expect(try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user).refused.map(\.code) == ["id-mismatch"])
        world.wang.create(try ShareRecord(account: world.baosteel, period: try Period(parsing: "2026-Q4"), customerSpend: Money(minorUnits: 100), ourSales: Money(minorUnits: 60)))
        #expect(try await world.fixture.store.push(world.wang.pushRequest(), by: world.wang.user).refused.isEmpty)
    }

    @Test("a share record's id must be its own account and period", arguments: Storage.all)
    func shareRecordIDs(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        let q3 = try Period(parsing: "2026-Q3")
        let real = try ShareRecord(account: world.huawei, period: q3, customerSpend: Money(minorUnits: 100), ourSales: Money(minorUnits: 10))
        // li squats wang's period: the id names 宝钢, the fields name 华为.
        let squat = try ShareRecord(id: .shareRecord(account: world.baosteel, period: q3), values: real.fieldValues)
        world.li.create(squat)
        world.li.create(real)
        let ack = try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user)
        #expect(ack.refused.map(\.code) == ["id-mismatch"])
        #expect(ack.refused.map(\.id) == [squat.id])
        // wang records his own period unhindered.
        world.wang.create(try ShareRecord(account: world.baosteel, period: q3, customerSpend: Money(minorUnits: 100), ourSales: Money(minorUnits: 60)))
        #expect(try await world.fixture.store.push(world.wang.pushRequest(), by: world.wang.user).refused.isEmpty)
    }

    @Test("a record is created only with its required fields; a register without a write erases nothing", arguments: Storage.all)
    func requiredFieldsAndErasure(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        // An account with no name.
        let nameless = world.li.create(account("临时", owner: "li"))
        world.li.states[nameless] = world.li.states[nameless]!.delta(fields: ["region", "owner", "stage"], existence: false)
        let ack = try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user)
        #expect(ack.refused.map(\.code) == ["missing-field"])
        #expect(ack.refused.first?.field == "name")

        // A valueless register whose version vector covers the stored name.
        let stored = world.li.states[world.huawei]!["name"]
        let empty = try Register<FieldValue>(siblings: [], context: stored.context)
        let erase = RecordState(kind: .account, id: world.huawei, fields: ["name": empty])
        await #expect(throws: SyncError.malformedRegister(kind: .account, id: world.huawei, field: "name")) {
            try await world.fixture.store.push(PushRequest(replica: world.li.clock.replica, records: [erase]), by: world.li.user)
        }
        // A register holding only an old value, claiming the other one is gone.
        var zhao = try await world.fixture.laptop("zhao", replica: "zhao-laptop")
        var cursor: UInt64 = 0
        _ = try await world.fixture.sync(&zhao, cursor: &cursor)
        zhao.write(world.huawei, "region", .text("华北"))
        world.li.write(world.huawei, "region", .text("华南"))
        _ = try await world.fixture.store.push(zhao.pushRequest(), by: zhao.user)
        _ = try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user)
        let both = try #require(try await world.visible(to: "li")[world.huawei])["region"]
        #expect(both.isConflicted)
        let liOnly = try #require(both.siblings.first { $0.dot.replica == world.li.clock.replica })
        let onlyMine = try Register(siblings: [liOnly], context: both.context)
        let hide = RecordState(kind: .account, id: world.huawei, fields: ["region": onlyMine])
        await #expect(throws: SyncError.history(.removalWithoutWrite(field: "region"))) {
            try await world.fixture.store.push(PushRequest(replica: world.li.clock.replica, records: [hide]), by: world.li.user)
        }
        #expect(try await world.visible(to: "li")[world.huawei]?["region"].isConflicted == true)
    }

    @Test("refusals never reveal another rep's record or owner", arguments: Storage.all)
    func refusalsRevealNothing(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        // li writes wang's account, and pushes an activity under the id of wang's contact.
        var forged = RecordState(kind: .account, id: world.baosteel)
        forged.write("notes", .text("mine now"), dot: world.li.clock.next(), at: Laptop.at)
        world.li.states[world.baosteel] = forged
        world.li.changed[world.baosteel] = ["notes"]
        let activity = try Activity(id: world.contact, values: Activity(account: world.huawei, kind: .call, date: try Day(parsing: "2026-11-30")).fieldValues)
        world.li.create(activity)
        // And a contact on an account that does not exist.
        world.li.create(Contact(account: RecordID(rawValue: "no-such-account")!, name: "张三"))
        let ack = try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user)
        #expect(Set(ack.refused.map(\.code)) == ["not-owner"])
        #expect(ack.refused.count == 3)
        for refusal in ack.refused {
            for secret in ["wang", "contact", "宝钢", "王芳"] { #expect(!refusal.message.contains(secret), "\(refusal.message)") }
        }
        let missing = try #require(ack.refused.first { $0.kind == .contact })
        let owned = try #require(ack.refused.first { $0.kind == .account })
        #expect(missing.message.replacingOccurrences(of: "no-such-account", with: "X")
            == owned.message.replacingOccurrences(of: world.baosteel.rawValue, with: "X"), "a missing account reads like one you may not write")

        // Probing a hidden record with one of its own dots and a guessed value
        // answers as for an id the server does not hold: a foreign dot, never
        // a reused counter (which would tell the guess was wrong).
        let wangsName = try #require(world.wang.states[world.contact]!["name"].siblings.first)
        for guess in ["王芳", "李四"] {
            let probe = RecordState(kind: .contact, id: world.contact, fields: [
                "name": try Register(siblings: [Sibling<FieldValue>(dot: wangsName.dot, value: .text(guess), at: wangsName.at)], context: VersionVector(wangsName.dot))])
            let unknown = RecordState(kind: .contact, id: RecordID(rawValue: "no-such-contact")!, fields: probe.fields)
            for record in [probe, unknown] {
                await #expect(throws: SyncError.history(.foreignDot(wangsName.dot, field: "name"))) {
                    try await world.fixture.store.push(PushRequest(replica: world.li.clock.replica, records: [record]), by: world.li.user)
                }
            }
        }
    }

    @Test("only a manager or an admin changes who owns an account", arguments: Storage.all)
    func ownerChanges(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        world.li.write(world.huawei, "owner", .text("wang"))
        let ack = try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user)
        #expect(ack.refused.map(\.code) == ["owner-change"])
        #expect(try await world.visible(to: "wang")[world.huawei] == nil)
    }

    @Test("a re-sent batch with a refused write gets the same answer; the laptop syncs on", arguments: Storage.all)
    func lostAnswer(_ storage: Storage) async throws {
        var world = try await Territory(storage)
        var zhao = try await world.fixture.laptop("zhao", replica: "zhao-laptop")
        var zhaoCursor: UInt64 = 0
        let lenovo = zhao.create(account("联想", owner: "li"))
        _ = try await world.fixture.sync(&zhao, cursor: &zhaoCursor)
        var liCursor: UInt64 = 0
        _ = try await world.fixture.sync(&world.li, cursor: &liCursor)
        #expect(world.li.states[lenovo] != nil)
        // While li is offline, the manager reassigns it to wang.
        zhao.write(lenovo, "owner", .text("wang"))
        #expect(try await world.fixture.store.push(zhao.pushRequest(), by: zhao.user).refused.isEmpty)
        // li edits it (to be refused) and another account (fine); the answer is lost.
        let other = world.li.create(account("中兴", owner: "li"))
        world.li.write(lenovo, "notes", .text("refused edit"))
        world.li.write(other, "notes", .text("good edit"))
        let batch = world.li.pushRequest()
        let first = try await world.fixture.store.push(batch, by: world.li.user)
        #expect(first.refused.map(\.id) == [lenovo])
        for _ in 0..<2 {
            let again = try await world.fixture.store.push(batch, by: world.li.user)
            #expect(again.refused == first.refused)
            #expect(again.accepted == first.accepted)
        }
        // Later pushes and pulls go on.
        world.li.write(other, "notes", .text("later edit"))
        #expect(try await world.fixture.store.push(world.li.pushRequest(), by: world.li.user).refused.isEmpty)
        #expect(try await world.visible(to: "li")[other]?["notes"].value == .text("later edit"))
        // A write the server never saw, with a spent counter, is still a reused counter.
        var reused = RecordState(kind: .account, id: other)
        reused.write("tier", .text("gold"), dot: Dot(replica: world.li.clock.replica, counter: 3), at: Laptop.at)
        await #expect(throws: SyncError.self) {
            try await world.fixture.store.push(PushRequest(replica: world.li.clock.replica, records: [reused]), by: world.li.user)
        }
    }
}
