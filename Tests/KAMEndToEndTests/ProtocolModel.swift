import KAMProtocol
import KAMTestSupport

/// The sync protocol as a model: replicas that keep pending field states and a
/// cursor exactly as the client does, and a server that checks and joins
/// pushes with KAMProtocol's ``HistoryCheck`` and join and hands out sequence
/// numbers. Fast enough for ten thousand schedules a run.
struct ProtocolModel {
    struct FieldKey: Hashable, Comparable {
        let record: RecordID
        let field: String  // "@existence" for the deletion register
        static func < (a: FieldKey, b: FieldKey) -> Bool { (a.record, a.field) < (b.record, b.field) }
    }

    struct Pending {
        var ownDot: UInt64
        var version: Int
    }

    struct Replica {
        var clock: DotClock
        var states: [RecordID: RecordState] = [:]
        var pending: [FieldKey: Pending] = [:]
        var cursor: UInt64 = 0
    }

    struct Server {
        var states: [RecordID: RecordState] = [:]
        var sequence: UInt64 = 0
        var seq: [FieldKey: UInt64] = [:]
        var highest: [ReplicaID: UInt64] = [:]
    }

    struct Write {
        let key: FieldKey
        let dot: Dot
        let seenBefore: VersionVector
    }

    var rng: SplitMix
    var replicas: [Replica]
    var server = Server()
    var writes: [Write] = []
    var failures: [String] = []
    var conflictsSeen = 0
    private var values = 0
    static let records = (0..<3).map { RecordID(rawValue: "acct-\($0)")! }
    static let fields = ["name", "region", "notes", "stage"]
    static let at = Timestamp(rawValue: 0)

    init(seed: UInt64, replicas count: Int) {
        rng = SplitMix(seed: seed)
        replicas = (0..<count).map { Replica(clock: DotClock(replica: ReplicaID(rawValue: "r\($0)")!)) }
    }

    mutating func run(steps: Int) {
        for _ in 0..<steps {
            let i = Int.random(in: 0..<replicas.count, using: &rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<35: write(i)
            case 35..<40: delete(i)
            case 40..<50: resolve(i)
            case 50..<75: push(i, faults: true)
            default: pull(i, faults: true)
            }
        }
        for _ in 0..<2 {
            for i in replicas.indices {
                while !replicas[i].pending.isEmpty { push(i, faults: false) }
                pull(i, faults: false, untilDone: true)
            }
        }
        check()
    }

    private func state(_ i: Int, _ id: RecordID) -> RecordState {
        replicas[i].states[id] ?? RecordState(kind: .account, id: id)
    }

    private mutating func write(_ i: Int, record: RecordID? = nil, field: String? = nil, value: FieldValue? = nil) {
        let id = record ?? Self.records.randomElement(using: &rng)!
        let name = field ?? Self.fields.randomElement(using: &rng)!
        var current = state(i, id)
        let before = current[name].context
        values += 1
        let dot = replicas[i].clock.next()
        current.write(name, value ?? .integer(Int64(values)), dot: dot, at: Self.at)
        replicas[i].states[id] = current
        markPending(i, FieldKey(record: id, field: name), dot: dot.counter)
        writes.append(Write(key: FieldKey(record: id, field: name), dot: dot, seenBefore: before))
    }

    private mutating func markPending(_ i: Int, _ key: FieldKey, dot: UInt64) {
        let version = (replicas[i].pending[key]?.version ?? 0) + 1
        replicas[i].pending[key] = Pending(ownDot: dot, version: version)
    }

    private mutating func delete(_ i: Int, restore: Bool = false, record: RecordID? = nil) {
        let id = record ?? Self.records.randomElement(using: &rng)!
        var current = state(i, id)
        if restore { current.restore(clock: &replicas[i].clock, at: Self.at) } else { current.delete(clock: &replicas[i].clock, at: Self.at) }
        replicas[i].states[id] = current
        markPending(i, FieldKey(record: id, field: "@existence"), dot: replicas[i].clock.counter)
    }

    private mutating func resolve(_ i: Int) {
        for id in Self.records.shuffled(using: &rng) {
            let current = state(i, id)
            if case .deleteConflict = current.status {
                delete(i, restore: rng.chance(0.5), record: id)
                return
            }
            if let conflict = current.conflicts.randomElement(using: &rng) {
                write(i, record: id, field: conflict.field, value: conflict.siblings.randomElement(using: &rng)!.value)
                return
            }
        }
    }

    /// The client's push: pending fields, oldest own write first, up to a limit.
    private mutating func push(_ i: Int, faults: Bool) {
        let limit = faults ? Int.random(in: 1...5, using: &rng) : 1_000
        let batch = replicas[i].pending.sorted { ($0.value.ownDot, $0.key) < ($1.value.ownDot, $1.key) }.prefix(limit)
        guard !batch.isEmpty else { return }
        var deltas: [RecordID: RecordState] = [:]
        for (key, _) in batch {
            let full = state(i, key.record)
            let part = key.field == "@existence" ? full.delta(fields: [], existence: true) : full.delta(fields: [key.field], existence: false)
            deltas[key.record] = deltas[key.record].map { $0.joined(with: part) } ?? part
        }
        serverPush(Array(deltas.values), from: replicas[i].clock.replica)
        if faults && rng.chance(0.15) { serverPush(Array(deltas.values), from: replicas[i].clock.replica) }  // arrives twice
        if faults && rng.chance(0.2) { return }  // the acknowledgement is lost
        for (key, sent) in batch where replicas[i].pending[key]?.version == sent.version {
            replicas[i].pending[key] = nil
        }
    }

    /// The server's merge: the whole push is checked, then joined, changed fields sequenced.
    private mutating func serverPush(_ records: [RecordState], from replica: ReplicaID) {
        let check = HistoryCheck(pusherReplicas: [replica], highestCounters: server.highest)
        for record in records {
            if let violation = check.violation(in: record, stored: server.states[record.id]) {
                failures.append("an honest push was refused: \(violation)")
                return
            }
        }
        for record in records {
            let base = server.states[record.id] ?? RecordState(kind: .account, id: record.id)
            for (replica, counter) in HistoryCheck.newCounters(in: record, stored: base) {
                server.highest[replica] = max(server.highest[replica, default: 0], counter)
            }
            let merged = base.joined(with: record)
            for name in record.fields.keys where merged[name] != base[name] {
                server.sequence += 1
                server.seq[FieldKey(record: record.id, field: name)] = server.sequence
            }
            if merged.existence != base.existence {
                server.sequence += 1
                server.seq[FieldKey(record: record.id, field: "@existence")] = server.sequence
            }
            server.states[record.id] = merged
        }
    }

    /// The client's pull: pages above the cursor, joined with the cursor stored after.
    private mutating func pull(_ i: Int, faults: Bool, untilDone: Bool = false) {
        repeat {
            let limit = faults ? Int.random(in: 1...6, using: &rng) : 1_000
            let above = server.seq.filter { $0.value > replicas[i].cursor }.sorted { $0.value < $1.value }
            let page = above.prefix(limit)
            let more = above.count > limit
            let cursor = more ? page.last!.value : server.sequence
            if faults && rng.chance(0.2) { return }  // the page is lost on the way
            for _ in 0..<(faults && rng.chance(0.1) ? 2 : 1) {
                for (key, _) in page {
                    let full = server.states[key.record]!
                    let part = key.field == "@existence" ? full.delta(fields: [], existence: true) : full.delta(fields: [key.field], existence: false)
                    replicas[i].states[key.record] = state(i, key.record).joined(with: part)
                }
            }
            replicas[i].cursor = cursor
            if !more { return }
        } while untilDone || rng.chance(0.5)
    }

    private mutating func check() {
        for (i, replica) in replicas.enumerated() where replica.states != server.states {
            failures.append("replica \(i) differs from the server after healing")
        }
        for write in writes {
            guard let final = server.states[write.key.record] else {
                failures.append("record \(write.key.record) never reached the server")
                continue
            }
            if final[write.key.field].siblings.contains(where: { $0.dot == write.dot }) { continue }
            let seen = writes.contains { $0.key == write.key && $0.dot != write.dot && $0.seenBefore.covers(write.dot) }
            if !seen { failures.append("write \(write.dot) to \(write.key.field) of \(write.key.record) was lost") }
        }
        conflictsSeen = server.states.values.filter { $0.needsResolution }.count
    }
}
