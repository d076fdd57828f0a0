import Foundation
import KAMProtocol
import KAMServer
import Testing

/// Reassignment, moves and lost access reach every laptop through the feed,
/// in order with the data. Each runs over every storage.
@Suite("Territories")
struct TerritoryTests {
    /// zhao (manager) made 华为 for li with a contact; li and wang have pulled.
    struct Team {
        var fixture: StoreFixture
        var zhao: Laptop
        var li: Laptop
        var wang: Laptop
        var cursors: [String: UInt64] = [:]
        let huawei: RecordID
        let baosteel: RecordID
        let contact: RecordID

        init(_ storage: Storage) async throws {
            fixture = try await StoreFixture(try await storage.make())
            zhao = try await fixture.laptop("zhao", replica: "zhao-laptop")
            li = try await fixture.laptop("li", replica: "li-laptop")
            wang = try await fixture.laptop("wang", replica: "wang-laptop")
            huawei = zhao.create(account("华为技术有限公司", owner: "li"))
            baosteel = zhao.create(account("宝钢", owner: "wang"))
            contact = zhao.create(Contact(account: huawei, name: "王芳", phone: "13800000000"))
            try await sync(\.zhao, "zhao")
            try await sync(\.li, "li")
            try await sync(\.wang, "wang")
        }

        /// Pushes and pulls one laptop, in small pages; returns the acknowledgement and every removal pulled.
        @discardableResult
        mutating func sync(_ laptop: WritableKeyPath<Team, Laptop>, _ user: String, expectRefused: Bool = false) async throws -> (PushAcknowledgement, [Removal]) {
            let ack = try await fixture.store.push(self[keyPath: laptop].pushRequest(), by: fixture.users[user]!)
            if !expectRefused { #expect(ack.refused.isEmpty, "refused: \(ack.refused)") }
            var removals: [Removal] = []
            var cursor = cursors[user, default: 0]
            var more = true
            while more {
                let page = try await fixture.store.pull(since: cursor, limit: 3, for: fixture.users[user]!)
                self[keyPath: laptop].apply(page)
                removals += page.removals
                cursor = page.cursor
                more = page.hasMore
            }
            cursors[user] = cursor
            return (ack, removals)
        }

        /// Everything `user` pulls from the start, removals applied.
        func visible(to user: String) async throws -> [RecordID: RecordState] {
            var laptop = Laptop(fixture.users[user]!, replica: "probe")
            var cursor: UInt64 = 0
            var more = true
            while more {
                let page = try await fixture.store.pull(since: cursor, limit: 1_000, for: fixture.users[user]!)
                laptop.apply(page)
                cursor = page.cursor
                more = page.hasMore
            }
            return laptop.states
        }
    }

    @Test("owner changes reach a rep whether the pull walks the feed or starts from the rep's few accounts", arguments: Storage.all)
    func ownerChangesBothWays(_ storage: Storage) async throws {
        var team = try await Team(storage)
        // Many accounts of wang's: for li, with one account, a pull from the start reads li's accounts first.
        for n in 1...120 { team.zhao.create(account("客户 \(n)", owner: "wang")) }
        try await team.sync(\.zhao, "zhao")
        let fromStart = try await team.fixture.store.pull(since: 0, limit: 1_000, for: team.fixture.users["li"]!)
        #expect(fromStart.ownerChanges.map(\.account) == [team.huawei])
        // wang, with most accounts, walks the feed: every creation, in order.
        let wangPage = try await team.fixture.store.pull(since: team.cursors["wang"]!, limit: 1_000, for: team.fixture.users["wang"]!)
        #expect(wangPage.ownerChanges.count == 120 && wangPage.ownerChanges.allSatisfy { $0.from.isEmpty && $0.to == ["wang"] })
        try await team.sync(\.li, "li")
        // A small gap walks the feed from the cursor too.
        team.zhao.write(team.baosteel, "owner", .text("li"))
        try await team.sync(\.zhao, "zhao")
        let page = try await team.fixture.store.pull(since: team.cursors["li"]!, limit: 1_000, for: team.fixture.users["li"]!)
        // Gaining the account brings its whole owner history, the reassignment last.
        #expect(page.ownerChanges.map(\.account) == [team.baosteel, team.baosteel] && page.ownerChanges.last?.to == ["li"])
    }

    @Test("a reassigned account leaves the old owner's laptop and reaches the new one whole, with its owner history", arguments: Storage.all)
    func reassignment(_ storage: Storage) async throws {
        var team = try await Team(storage)
        #expect(team.li.states[team.huawei] != nil && team.li.states[team.contact] != nil)
        #expect(team.wang.states[team.huawei] == nil)

        // li edits offline; zhao reassigns the account to wang meanwhile.
        team.li.write(team.huawei, "notes", .text("visited, new buyer"))
        team.zhao.write(team.huawei, "owner", .text("wang"))
        try await team.sync(\.zhao, "zhao")

        // wang pulls all of it: the account and the contact, every field.
        try await team.sync(\.wang, "wang")
        #expect(team.wang.states[team.huawei] == team.zhao.states[team.huawei])
        #expect(team.wang.states[team.contact] == team.zhao.states[team.contact])

        // li's edit is refused, and the account and its contact leave li's laptop.
        let (ack, removals) = try await team.sync(\.li, "li", expectRefused: true)
        #expect(ack.refused.map(\.code) == ["not-owner"])
        #expect(Set(removals.map(\.id)) == [team.huawei, team.contact])
        #expect(removals.allSatisfy { $0.reason == .reassigned && $0.owners == ["wang"] && $0.account == team.huawei })
        #expect(removals.last?.id == team.huawei, "records leave before their account")
        #expect(team.li.states[team.huawei] == nil && team.li.states[team.contact] == nil)
        #expect(try await team.visible(to: "li").isEmpty)

        // The history says who, when, from whom, to whom.
        let detail = try #require(try await team.fixture.store.account(team.huawei, for: team.fixture.users["office"]!))
        #expect(detail.ownerChanges.map(\.from) == [[], ["li"]])
        #expect(detail.ownerChanges.map(\.to) == [["li"], ["wang"]])
        #expect(detail.ownerChanges.allSatisfy { $0.by == "zhao" && $0.at == Laptop.at })
        // wang got the history with the account.
        let page = try await team.fixture.store.pull(since: 0, limit: 1_000, for: team.fixture.users["wang"]!)
        #expect(page.ownerChanges.filter { $0.account == team.huawei }.map(\.to) == [["li"], ["wang"]])
    }

    @Test("an account lost and regained before the laptop pulls never leaves it, whatever the page size", arguments: Storage.all)
    func lostAndRegained(_ storage: Storage) async throws {
        for limit in 1...4 {
            var team = try await Team(storage)
            team.zhao.write(team.huawei, "owner", .text("wang"))
            try await team.sync(\.zhao, "zhao")
            team.zhao.write(team.huawei, "owner", .text("li"))
            try await team.sync(\.zhao, "zhao")
            var cursor = team.cursors["li"]!
            var more = true
            while more {
                let page = try await team.fixture.store.pull(since: cursor, limit: limit, for: team.fixture.users["li"]!)
                #expect(page.removals.isEmpty, "limit \(limit): \(page.removals)")
                team.li.apply(page)
                cursor = page.cursor
                more = page.hasMore
            }
            #expect(team.li.states[team.huawei] == team.zhao.states[team.huawei])
            #expect(team.li.states[team.contact] == team.zhao.states[team.contact])
        }
    }

    @Test("an owner who is no user of the server is refused, so no account belongs to nobody", arguments: Storage.all)
    func unknownOwner(_ storage: Storage) async throws {
        var team = try await Team(storage)
        team.zhao.write(team.huawei, "owner", .text("wnag"))
        let created = team.zhao.create(account("新客户", owner: "nobody"))
        let (ack, _) = try await team.sync(\.zhao, "zhao", expectRefused: true)
        #expect(ack.refused.map(\.code) == ["unknown-owner", "unknown-owner"])
        #expect(Set(ack.refused.map(\.id)) == [team.huawei, created])
        #expect(ack.refused.allSatisfy { $0.field == "owner" && $0.message.contains("kam-server user list") })
        #expect(try await team.visible(to: "li")[team.huawei] != nil, "the account stays li's")
    }

    @Test("managers and the office never get removals", arguments: Storage.all)
    func allSeeingGetNoRemovals(_ storage: Storage) async throws {
        var team = try await Team(storage)
        // zhao and then the office own the account for a while, and lose it again: neither is told.
        for owner in ["zhao", "office", "li"] {
            team.zhao.write(team.huawei, "owner", .text(owner))
            try await team.sync(\.zhao, "zhao")
        }
        for user in ["zhao", "office"] {
            let page = try await team.fixture.store.pull(since: 0, limit: 1_000, for: team.fixture.users[user]!)
            #expect(page.removals.isEmpty && page.records.contains { $0.id == team.huawei })
        }
    }

    @Test("a client on protocol 1 gets no removals and a page it can read", arguments: Storage.all)
    func protocolOne(_ storage: Storage) async throws {
        var team = try await Team(storage)
        team.zhao.write(team.huawei, "owner", .text("wang"))
        try await team.sync(\.zhao, "zhao")
        let page = try await team.fixture.store.pull(since: 0, limit: 1_000, for: team.fixture.users["li"]!, protocolVersion: 1)
        #expect(page.protocolVersion == 1 && page.removals.isEmpty && page.ownerChanges.isEmpty)
        #expect(try PullPage(binary: page.binaryEncoded()) == page)
    }

    @Test("a moved record leaves the old account's readers and reaches the new account's whole", arguments: Storage.all)
    func move(_ storage: Storage) async throws {
        var team = try await Team(storage)
        team.zhao.write(team.contact, "account", .text(team.baosteel.rawValue))
        try await team.sync(\.zhao, "zhao")
        let (_, removals) = try await team.sync(\.li, "li")
        #expect(removals == [Removal(kind: .contact, id: team.contact, account: team.huawei, reason: .moved)])
        #expect(team.li.states[team.huawei] != nil, "the account stays")
        try await team.sync(\.wang, "wang")
        #expect(team.wang.states[team.contact] == team.zhao.states[team.contact], "the whole record, not a bare account field")
    }

    @Test("a record whose account is in conflict is seen by the readers of every account it names", arguments: Storage.all)
    func conflictedAccount(_ storage: Storage) async throws {
        var team = try await Team(storage)
        // Two of zhao's laptops move the contact apart without seeing each other.
        var other = try await team.fixture.laptop("zhao", replica: "zhao-phone")
        var cursor: UInt64 = 0
        _ = try await team.fixture.sync(&other, cursor: &cursor)
        team.zhao.write(team.contact, "account", .text(team.baosteel.rawValue))
        // The same value as before, but a write concurrent with zhao's: a conflict.
        other.write(team.contact, "account", .text(team.huawei.rawValue))
        try await team.sync(\.zhao, "zhao")
        _ = try await team.fixture.sync(&other, cursor: &cursor)
        let merged = try #require(other.states[team.contact])
        #expect(merged["account"].isConflicted)
        #expect(try await team.visible(to: "li")[team.contact] != nil)
        #expect(try await team.visible(to: "wang")[team.contact] != nil)
        // Settled on 宝钢: li loses it.
        team.zhao.apply(try await team.fixture.store.pull(since: 0, limit: 1_000, for: team.fixture.users["zhao"]!))
        team.zhao.write(team.contact, "account", .text(team.baosteel.rawValue))
        try await team.sync(\.zhao, "zhao")
        let (_, removals) = try await team.sync(\.li, "li")
        #expect(Set(removals.map(\.id)) == [team.contact])
        #expect(team.li.states[team.contact] == nil)
        #expect(try await team.visible(to: "li")[team.contact] == nil)
        #expect(try await team.visible(to: "wang")[team.contact] != nil)
    }

    @Test("the creator holds an account only while nobody owns it; a rep creates only their own", arguments: Storage.all)
    func creator(_ storage: Storage) async throws {
        var team = try await Team(storage)
        let unowned = team.li.create(Account(name: "新客户", region: "华东"))
        try await team.sync(\.li, "li")
        #expect(try await team.visible(to: "li")[unowned] != nil)
        team.zhao.apply(try await team.fixture.store.pull(since: 0, limit: 1_000, for: team.fixture.users["zhao"]!))
        team.zhao.write(unowned, "owner", .text("wang"))
        try await team.sync(\.zhao, "zhao")
        let (_, removals) = try await team.sync(\.li, "li")
        #expect(removals.map(\.id) == [unowned])
        #expect(try await team.visible(to: "wang")[unowned] != nil)

        let foreign = team.li.create(account("别人的", owner: "wang"))
        let (ack, _) = try await team.sync(\.li, "li", expectRefused: true)
        #expect(ack.refused.map(\.code) == ["owner-change"] && ack.refused.first?.id == foreign)
    }

    @Test("access rows written under the earlier rule are brought up to date once, with removals", arguments: Storage.all)
    func upgrade(_ storage: Storage) async throws {
        var team = try await Team(storage)
        // As the earlier rule left it: li, who created nothing here, holds 宝钢 too.
        let baosteel = team.baosteel
        try await team.fixture.store.storage.write { tx in
            try tx.grantAccess("li", to: baosteel)
            try tx.setSetting("access-rule", "1")
        }
        #expect(try await team.visible(to: "li")[team.baosteel] != nil)
        try await team.fixture.store.upgradeAccess()
        let (_, removals) = try await team.sync(\.li, "li")
        #expect(removals.map(\.id) == [team.baosteel] && removals.first?.reason == .accessEnded)
        #expect(try await team.visible(to: "li")[team.baosteel] == nil)
        // Once only.
        let sequence = try await team.fixture.store.storage.read { tx in try tx.sequence() }
        try await team.fixture.store.upgradeAccess()
        #expect(try await team.fixture.store.storage.read { tx in try tx.sequence() } == sequence)
    }

    @Test("fetch gives back the records the user may see and leaves out the rest alike", arguments: Storage.all)
    func fetch(_ storage: Storage) async throws {
        let team = try await Team(storage)
        let missing = RecordID(rawValue: "no-such-record")!
        let answer = try await team.fixture.store.fetch([team.huawei, team.contact, team.baosteel, missing], for: team.fixture.users["li"]!)
        #expect(Set(answer.records.map(\.id)) == [team.huawei, team.contact])
        #expect(answer.records.first { $0.id == team.huawei } == team.zhao.states[team.huawei])
    }
}
