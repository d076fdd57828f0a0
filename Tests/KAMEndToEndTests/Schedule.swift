import Foundation
import GRDB
@testable import KAMClient
import KAMProtocol
import KAMServer
import KAMServerTestSupport
import KAMTestSupport

/// One random schedule: five laptops (real replica stores) of two managers
/// and two reps edit, delete, resolve, reassign accounts and move contacts,
/// and sync with the real server store in random order, while
/// acknowledgements and pull pages get lost and pushes and pages arrive
/// twice. A rep's edit to an account taken from them is refused, and a
/// refusal whose answer was lost comes back the same when the batch is sent
/// again. Then everyone syncs until quiet, and the checks run: no accepted
/// write is lost, every laptop holds exactly what its user may see, and once
/// the reps drop their refused edits every laptop agrees with the server.
struct Schedule {
    struct Write {
        let dot: Dot
        let seenBefore: VersionVector
    }

    struct Key: Hashable {
        let record: RecordID
        let field: String
    }

    struct Laptop {
        let replica: Replica
        let user: User
    }

    let seed: UInt64
    var rng: SplitMix
    /// The server: one process, or several over one database, taking requests in turn.
    let servers: [SyncService]
    private let turn = LockedCounter()
    var server: SyncService { servers[turn.next() % servers.count] }
    var laptops: [Laptop] = []
    var writes: [Key: [Write]] = [:]
    var failures: [String] = []
    var stats = (
        edits: 0, deletes: 0, resolves: 0, reassignments: 0, moves: 0, removals: 0, refusals: 0, lostAcks: 0, duplicatePushes: 0,
        lostPages: 0, conflicts: 0
    )
    private var nextValue = 0
    static let fields = ["region", "notes", "industry", "tier"]

    /// A schedule over the servers `storages` stand for (one SQLite store in memory unless given).
    init(seed: UInt64, storages: [any SyncStorage]? = nil) async throws {
        self.seed = seed
        rng = SplitMix(seed: seed)
        servers = try (storages ?? [SQLiteStore.inMemory()]).map { SyncService(storage: $0, logger: SQLiteStore.quietLogger) }
        var users: [User] = []
        for (name, role) in [("zhao", Role.manager), ("qian", .manager), ("li", .rep), ("wang", .rep)] {
            let token = try await server.addUser(name: name, role: role)
            users.append(try await server.authenticate(token: token)!)
        }
        for index in 0..<5 {
            let user = users[index % users.count]  // li has two laptops
            let settings = ReplicaSettings(
                replica: ReplicaID(rawValue: "laptop-\(index)")!, server: URL(string: "http://127.0.0.1:1")!, token: "-")
            let store = try ReplicaStore.inMemory(settings: settings)
            _ = try await server.registerReplica(settings.replica, for: user)
            try store.markRegistered(user: user.name)
            laptops.append(Laptop(replica: try Replica(store: store, author: user.name), user: user))
        }
    }

    mutating func run(steps: Int) async throws {
        for _ in 0..<steps {
            let i = Int.random(in: 0..<laptops.count, using: &rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<28: try edit(i)
            case 28..<31: try addContact(i)
            case 31..<34: try move(i)
            case 34..<37: try delete(i)
            case 37..<44: try resolve(i)
            case 44..<54: try reassign(i)
            case 54..<77: try await push(i, faults: true)
            default: try await pull(i, faults: true)
            }
        }
        // Heal: everyone pushes everything and pulls everything, twice round.
        for _ in 0..<2 {
            for i in laptops.indices {
                while try laptops[i].replica.store.pendingBatch(limit: 1) != nil {
                    let failed = failures.count
                    try await push(i, faults: false)
                    if failures.count > failed { break }  // a push that fails fails again: report, don't spin
                }
                try await pull(i, faults: false, untilDone: true)
                try await fetchQueued(i)
            }
        }
        try await check()
        // The reps drop what was refused: the server's values come back, and every laptop agrees with it.
        for i in laptops.indices where laptops[i].user.role == .rep {
            try laptops[i].replica.dropRefusals()
            try await pull(i, faults: false, untilDone: true)
            try await fetchQueued(i)
            let mine = try laptops[i].replica.store.read { db in try ReplicaStore.loadRecords(db, ids: "SELECT id FROM records") }
            if Dictionary(uniqueKeysWithValues: mine.map { ($0.id, $0) }) != (try await serverStates(for: laptops[i].user)) {
                failures.append("laptop \(i) (a rep) differs from the server once its refusals were dropped")
            }
        }
    }

    /// What `kam sync` does after its pull: queued records get the server's state back.
    private mutating func fetchQueued(_ i: Int) async throws {
        let ids = try laptops[i].replica.store.recordsToFetch()
        if !ids.isEmpty { try laptops[i].replica.store.replace(ids, with: try await server.fetch(ids, for: laptops[i].user)) }
    }

    /// A contact on one of the laptop's accounts.
    private mutating func addContact(_ i: Int) throws {
        guard let account = try laptops[i].replica.accounts().randomElement(using: &rng) else { return }
        nextValue += 1
        let contact = try laptops[i].replica.addContact(account.id.rawValue, name: "contact \(nextValue)")
        for field in ["account", "name"] { try logWrite(i, contact.id, field, before: VersionVector()) }
    }

    /// A contact moves to another of the laptop's accounts (a rep's move is
    /// refused when either account was taken from them meanwhile).
    private mutating func move(_ i: Int) throws {
        let accounts = try laptops[i].replica.accounts()
        guard accounts.count > 1, let contact = try laptops[i].replica.records(Contact.self).randomElement(using: &rng),
            let target = accounts.filter({ $0.id != contact.account }).randomElement(using: &rng)
        else { return }
        let before = try state(i, contact.id)?["account"].context ?? VersionVector()
        try laptops[i].replica.moveContact(contact.id.rawValue, to: target.id.rawValue)
        try logWrite(i, contact.id, "account", before: before)
        stats.moves += 1
    }

    // MARK: Edits

    private func state(_ i: Int, _ id: RecordID) throws -> RecordState? {
        try laptops[i].replica.store.read { db in try ReplicaStore.loadRecord(db, id) }
    }

    private mutating func edit(_ i: Int) throws {
        let accounts = try laptops[i].replica.accounts()
        nextValue += 1
        // Reps create few accounts: what they create stays theirs, so their
        // refusals come from the managers' accounts taken from them.
        if accounts.isEmpty || rng.chance(laptops[i].user.role == .rep ? 0.05 : 0.25) {
            // A rep's new account is theirs; a manager's goes to a rep.
            let owner = laptops[i].user.role == .rep ? laptops[i].user.name : ["li", "wang"].randomElement(using: &rng)!
            let account = try laptops[i].replica.addAccount(Account(name: "account \(nextValue)", owner: owner))
            for field in ["name", "owner", "stage"] { try logWrite(i, account.id, field, before: VersionVector()) }
            return
        }
        let id = accounts.randomElement(using: &rng)!.id
        let field = Self.fields.randomElement(using: &rng)!
        let before = try state(i, id)?[field].context ?? VersionVector()
        let value = field == "tier" ? Tier.allCases.randomElement(using: &rng)!.rawValue : "v\(nextValue)"
        try laptops[i].replica.setAccount(id.rawValue, [field: value])
        try logWrite(i, id, field, before: before)
        stats.edits += 1
    }

    /// A manager gives an account to the other rep.
    private mutating func reassign(_ i: Int) throws {
        guard laptops[i].user.role == .manager, let account = try laptops[i].replica.accounts().randomElement(using: &rng) else { return }
        let owner = account.owner == "li" ? "wang" : "li"
        let before = try state(i, account.id)?["owner"].context ?? VersionVector()
        try laptops[i].replica.setAccount(account.id.rawValue, ["owner": owner])
        try logWrite(i, account.id, "owner", before: before)
        stats.reassignments += 1
    }

    private mutating func delete(_ i: Int) throws {
        guard let account = try laptops[i].replica.accounts().randomElement(using: &rng) else { return }
        _ = try laptops[i].replica.deleteAccount(account.id.rawValue)
        stats.deletes += 1
    }

    private mutating func resolve(_ i: Int) throws {
        guard let entry = try laptops[i].replica.conflicts().conflicts.randomElement(using: &rng) else { return }
        let conflict = entry.conflict
        if conflict.kind == .deleteVersusEdit {
            try laptops[i].replica.resolve(conflict.record.rawValue, field: "deleted", .value(rng.chance(0.5) ? "no" : "yes"))
        } else if let field = conflict.field {
            let before = try state(i, conflict.record)?[field].context ?? VersionVector()
            try laptops[i].replica.resolve(conflict.record.rawValue, field: field, .keep(Int.random(in: 1...conflict.values.count, using: &rng)))
            try logWrite(i, conflict.record, field, before: before)
        }
        stats.resolves += 1
    }

    /// Notes the write just made at laptop `i` to `field`, with what it had seen before.
    private mutating func logWrite(_ i: Int, _ id: RecordID, _ field: String, before: VersionVector) throws {
        let replica = laptops[i].replica.store
        let own = try replica.settings().replica
        guard let dot = try state(i, id)?[field].siblings.first(where: { $0.dot.replica == own })?.dot else {
            failures.append("the write to \(field) of \(id) at laptop \(i) is not in its own replica")
            return
        }
        writes[Key(record: id, field: field), default: []].append(Write(dot: dot, seenBefore: before))
    }

    // MARK: Sync with faults

    private mutating func push(_ i: Int, faults: Bool) async throws {
        let laptop = laptops[i]
        guard let batch = try laptop.replica.store.pendingBatch(limit: Int.random(in: 1...6, using: &rng)) else { return }
        let acknowledgement: PushAcknowledgement
        do {
            acknowledgement = try await server.push(batch.request, by: laptop.user)
            if faults && rng.chance(0.15) {
                stats.duplicatePushes += 1
                let again = try await server.push(batch.request, by: laptop.user)
                if again.accepted != acknowledgement.accepted || again.refused != acknowledgement.refused {
                    failures.append("a repeated push was answered differently: \(acknowledgement) then \(again)")
                }
            }
        } catch {
            failures.append("laptop \(i)'s honest push was refused: \(error)")
            return
        }
        if !acknowledgement.refused.isEmpty, laptop.user.role != .rep {
            failures.append("a manager's push was refused: \(acknowledgement.refused)")
        }
        // A rep may lose an account, and may not settle who owns one (an owner conflict).
        for refusal in acknowledgement.refused where refusal.code != "not-owner" && refusal.code != "owner-change" {
            failures.append("a rep's honest push was refused for another reason than access: \(refusal)")
        }
        stats.refusals += acknowledgement.refused.count
        if faults && rng.chance(0.2) {
            stats.lostAcks += 1  // the connection broke before the answer arrived: pushed again later
            return
        }
        try laptop.replica.store.acknowledge(batch, acknowledgement)
    }

    private mutating func pull(_ i: Int, faults: Bool, untilDone: Bool = false) async throws {
        let store = laptops[i].replica.store
        repeat {
            let page = try await server.pull(since: try store.settings().cursor, limit: Int.random(in: 1...8, using: &rng), for: laptops[i].user)
            if faults && rng.chance(0.2) {
                stats.lostPages += 1
                return
            }
            stats.removals += try store.apply(page).removed.count
            if faults && rng.chance(0.1) { try store.apply(page) }
            if !page.hasMore { return }
        } while untilDone || rng.chance(0.5)
    }

    // MARK: Checks

    private mutating func check() async throws {
        let serverView = try await serverStates(for: laptops[0].user)
        var refusedAt: [Int: Set<RecordID>] = [:]
        for (i, laptop) in laptops.enumerated() {
            let mine = try laptop.replica.store.read { db in
                try ReplicaStore.loadRecords(db, ids: "SELECT id FROM records")
            }
            let byID = Dictionary(uniqueKeysWithValues: mine.map { ($0.id, $0) })
            let status = try laptop.replica.status()
            if status.pending != 0 { failures.append("laptop \(i) still has pending changes") }
            if laptop.user.role != .rep {
                if byID != serverView { failures.append("laptop \(i) differs from the server after healing") }
                continue
            }
            // A rep holds exactly the records the server shows them, each as
            // the server holds it but for an edit the server refused, which
            // stays on the laptop until dropped.
            let refused = Set(status.refused.map(\.record))
            refusedAt[i] = refused
            // A record whose creation was refused stays too (the account was
            // taken and given back before this laptop heard): it is listed.
            let theirs = try await serverStates(for: laptop.user)
            if Set(byID.keys).subtracting(refused.subtracting(theirs.keys)) != Set(theirs.keys) {
                let extra = Set(byID.keys).subtracting(theirs.keys).sorted().prefix(3)
                    .map { "\(byID[$0]!.kind) \($0)\(refused.contains($0) ? " (refused)" : "")\(serverView[$0] == nil ? " (not on the server)" : "")" }
                let missing = Set(theirs.keys).subtracting(byID.keys).sorted().prefix(3).map { "\(theirs[$0]!.kind) \($0)" }
                failures.append("laptop \(i) (a rep) holds other records than it may see: extra \(Array(extra)), missing \(Array(missing))")
            }
            for (id, state) in theirs where !refused.contains(id) && byID[id] != nil && byID[id] != state {
                failures.append("laptop \(i) (a rep) differs from the server on \(id) after healing")
            }
        }
        for (key, log) in writes {
            let refusedHere = laptops.indices.filter { refusedAt[$0]?.contains(key.record) == true }
                .map { laptops[$0].replica }
            guard let final = serverView[key.record] else {
                // A record whose creation was refused (a rep's contact on an account taken from them) stays listed.
                if refusedHere.isEmpty { failures.append("record \(key.record) vanished") }
                continue
            }
            let current = Set(final[key.field].siblings.map(\.dot))
            for write in log where !current.contains(write.dot) {
                // A refused edit is not lost: it stays listed on its laptop.
                if try refusedHere.contains(where: { try $0.store.settings().replica == write.dot.replica }) { continue }
                if !log.contains(where: { $0.dot != write.dot && $0.seenBefore.covers(write.dot) }) {
                    failures.append("write \(write.dot) to \(key.field) of \(key.record) was lost")
                }
            }
        }
        for state in serverView.values where state.conflicts.count > 0 { stats.conflicts += 1 }
        for state in serverView.values where !state.status.isVisible {
            let seen = state.existence.siblings.compactMap { sibling -> VersionVector? in
                if case .deleted(let context) = sibling.value { context } else { nil }
            }
            for sibling in state.fields.values.flatMap(\.siblings) where !seen.contains(where: { $0.covers(sibling.dot) }) {
                failures.append("\(state.id) is deleted though it holds \(sibling.dot), which no delete had seen")
            }
        }
    }

    private func serverStates(for user: User) async throws -> [RecordID: RecordState] {
        var states: [RecordID: RecordState] = [:]
        var cursor: UInt64 = 0
        var more = true
        while more {
            let page = try await server.pull(since: cursor, limit: 10_000, for: user)
            for removal in page.removals { states[removal.id] = nil }
            for record in page.records { states[record.id] = states[record.id].map { $0.joined(with: record) } ?? record }
            cursor = page.cursor
            more = page.hasMore
        }
        return states
    }
}

