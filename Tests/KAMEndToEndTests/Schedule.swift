import Foundation
import GRDB
@testable import KAMClient
import KAMProtocol
import KAMServer

/// A small seeded generator: the same seed replays the same schedule.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// One random schedule: five laptops (real replica stores) edit, delete and
/// resolve, and sync with the real server store in random order, while
/// acknowledgements and pull pages get lost and pushes and pages arrive twice.
/// Then everyone syncs until quiet, and the checks run.
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
    let server: SQLiteStore
    var laptops: [Laptop] = []
    var writes: [Key: [Write]] = [:]
    var failures: [String] = []
    var stats = (edits: 0, deletes: 0, resolves: 0, lostAcks: 0, duplicatePushes: 0, lostPages: 0, conflicts: 0)
    private var nextValue = 0
    static let fields = ["region", "notes", "industry", "tier"]

    init(seed: UInt64) async throws {
        self.seed = seed
        rng = SplitMix(state: seed)
        server = try SQLiteStore.inMemory()
        var users: [User] = []
        for name in ["zhao", "qian", "sun"] {
            let token = try await server.addUser(name: name, role: .manager)
            users.append(try await server.authenticate(token: token)!)
        }
        for index in 0..<5 {
            let user = users[index % users.count]
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
            case 0..<40: try edit(i)
            case 40..<44: try delete(i)
            case 44..<54: try resolve(i)
            case 54..<77: try await push(i, faults: true)
            default: try await pull(i, faults: true)
            }
        }
        // Heal: everyone pushes everything and pulls everything, twice round.
        for _ in 0..<2 {
            for i in laptops.indices {
                while try laptops[i].replica.store.pendingBatch(limit: 1) != nil { try await push(i, faults: false) }
                try await pull(i, faults: false, untilDone: true)
            }
        }
        try await check()
    }

    // MARK: Edits

    private func state(_ i: Int, _ id: RecordID) throws -> RecordState? {
        try laptops[i].replica.store.read { db in try ReplicaStore.loadRecord(db, id) }
    }

    private mutating func edit(_ i: Int) throws {
        let accounts = try laptops[i].replica.accounts()
        nextValue += 1
        if accounts.isEmpty || rng.chance(0.15) {
            let account = try laptops[i].replica.addAccount(Account(name: "account \(nextValue)"))
            for field in ["name", "stage"] { try logWrite(i, account.id, field, before: VersionVector()) }
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
                if again.accepted != acknowledgement.accepted || !again.refused.isEmpty {
                    failures.append("a repeated push was answered differently: \(acknowledgement) then \(again)")
                }
            }
        } catch {
            failures.append("laptop \(i)'s honest push was refused: \(error)")
            return
        }
        if !acknowledgement.refused.isEmpty { failures.append("a manager's push was refused: \(acknowledgement.refused)") }
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
            try store.apply(page)
            if faults && rng.chance(0.1) { try store.apply(page) }
            if !page.hasMore { return }
        } while untilDone || rng.chance(0.5)
    }

    // MARK: Checks

    private mutating func check() async throws {
        let serverView = try await serverStates()
        for (i, laptop) in laptops.enumerated() {
            let mine = try laptop.replica.store.read { db in
                try ReplicaStore.loadRecords(db, ids: "SELECT id FROM records")
            }
            let byID = Dictionary(uniqueKeysWithValues: mine.map { ($0.id, $0) })
            if byID != serverView { failures.append("laptop \(i) differs from the server after healing") }
            if try laptop.replica.status().pending != 0 { failures.append("laptop \(i) still has pending changes") }
        }
        for (key, log) in writes {
            guard let final = serverView[key.record] else {
                failures.append("record \(key.record) vanished")
                continue
            }
            let current = Set(final[key.field].siblings.map(\.dot))
            for write in log where !current.contains(write.dot) {
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

    private func serverStates() async throws -> [RecordID: RecordState] {
        var states: [RecordID: RecordState] = [:]
        var cursor: UInt64 = 0
        var more = true
        while more {
            let page = try await server.pull(since: cursor, limit: 10_000, for: laptops[0].user)
            for record in page.records { states[record.id] = states[record.id].map { $0.joined(with: record) } ?? record }
            cursor = page.cursor
            more = page.hasMore
        }
        return states
    }
}
