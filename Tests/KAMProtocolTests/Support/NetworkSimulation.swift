import KAMProtocol
import KAMTestSupport

/// A run of several in-memory replicas that edit, delete and resolve at
/// random and exchange partial states over a network that reorders, drops and
/// duplicates messages. The same seed replays the same run.
struct NetworkSimulation {
    struct Message {
        let to: Int
        let records: [RecordState]
    }

    /// A write someone made, with what its writer had seen of that field before.
    struct Write {
        let dot: Dot
        let seenBefore: VersionVector
    }

    /// A field of a record, or its deletion register (`field == nil`).
    struct Key: Hashable {
        let record: RecordID
        let field: String?
    }

    struct Outcome {
        var failures: [String] = []
        var conflictsSeen = 0
        var deleteConflictsSeen = 0
        var resolves = 0
        var deliveries = 0
        var duplicatesDelivered = 0
    }

    let seed: UInt64
    let replicaCount: Int
    let steps: Int
    static let fields = ["name", "region", "stage", "notes"]

    private var rng: SplitMix
    private var clocks: [DotClock]
    private var states: [[RecordID: RecordState]]
    private var network: [Message] = []
    private var writes: [Key: [Write]] = [:]
    private var outcome = Outcome()
    private var nextValue: Int64 = 0
    private let records: [RecordID]

    init(seed: UInt64, replicas: Int = 5, records: Int = 3, steps: Int = 400) {
        self.seed = seed
        self.replicaCount = replicas
        self.steps = steps
        rng = SplitMix(seed: seed)
        clocks = (0..<replicas).map { DotClock(replica: ReplicaID(rawValue: "replica-\($0)")!) }
        states = Array(repeating: [:], count: replicas)
        self.records = (0..<records).map { RecordID(rawValue: "acct-\($0)")! }
    }

    mutating func run() -> Outcome {
        for _ in 0..<steps { step() }
        // Drain what is still in flight, in random order, some of it lost.
        while !network.isEmpty { deliver(allowDuplicate: false) }
        fullExchange()
        check()
        return outcome
    }

    private func state(_ replica: Int, _ record: RecordID) -> RecordState {
        states[replica][record] ?? RecordState(kind: .account, id: record)
    }

    private mutating func step() {
        let i = Int.random(in: 0..<replicaCount, using: &rng)
        let record = records.randomElement(using: &rng)!
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<30: write(at: i, record: record, field: Self.fields.randomElement(using: &rng)!)
        case 30..<34: delete(at: i, record: record)
        case 34..<44: resolve(at: i)
        case 44..<70: send(from: i)
        default: if !network.isEmpty { deliver(allowDuplicate: true) }
        }
        outcome.conflictsSeen += states[i].values.reduce(0) { $0 + $1.conflicts.count }
    }

    private mutating func write(at i: Int, record: RecordID, field: String, value: FieldValue? = nil) {
        var current = state(i, record)
        let seen = current[field].context
        let dot = clocks[i].next()
        nextValue += 1
        current.write(field, value ?? .integer(nextValue), dot: dot, at: Timestamp(rawValue: nextValue))
        writes[Key(record: record, field: field), default: []].append(Write(dot: dot, seenBefore: seen))
        states[i][record] = current
    }

    private mutating func delete(at i: Int, record: RecordID) {
        var current = state(i, record)
        let seen = current.existence.context
        current.delete(clock: &clocks[i], at: Timestamp(rawValue: nextValue))
        writes[Key(record: record, field: nil), default: []].append(
            Write(dot: current.existence.siblings.last { $0.dot.replica == clocks[i].replica }!.dot, seenBefore: seen))
        states[i][record] = current
    }

    /// Settles something in conflict at replica `i`, as a person would.
    private mutating func resolve(at i: Int) {
        for record in records.shuffled(using: &rng) {
            var current = state(i, record)
            if case .deleteConflict = current.status {
                let seen = current.existence.context
                if rng.chance(0.5) {
                    current.restore(clock: &clocks[i], at: Timestamp(rawValue: nextValue))
                } else {
                    current.delete(clock: &clocks[i], at: Timestamp(rawValue: nextValue))
                }
                writes[Key(record: record, field: nil), default: []].append(
                    Write(dot: Dot(replica: clocks[i].replica, counter: clocks[i].counter), seenBefore: seen))
                states[i][record] = current
                outcome.resolves += 1
                return
            }
            if let conflict = current.conflicts.randomElement(using: &rng) {
                // Keep one of the values, or type a new one: both are ordinary writes.
                let keep = rng.chance(0.7) ? conflict.siblings.randomElement(using: &rng)!.value : nil
                write(at: i, record: record, field: conflict.field, value: keep)
                outcome.resolves += 1
                return
            }
        }
    }

    /// Sends some of replica `i`'s records, each with some of its fields, to another replica.
    private mutating func send(from i: Int) {
        let to = Int.random(in: 0..<replicaCount, using: &rng)
        var deltas: [RecordState] = []
        for record in records where rng.chance(0.6) {
            let full = state(i, record)
            if rng.chance(0.5) {
                deltas.append(full)
            } else {
                let some = Self.fields.filter { _ in rng.chance(0.5) }
                deltas.append(full.delta(fields: some, existence: rng.chance(0.5)))
            }
        }
        network.append(Message(to: to, records: deltas))
    }

    private mutating func deliver(allowDuplicate: Bool) {
        let index = Int.random(in: 0..<network.count, using: &rng)
        let message = network[index]
        if rng.chance(0.1) {
            network.remove(at: index)  // lost
            return
        }
        for delta in message.records {
            states[message.to][delta.id] = state(message.to, delta.id).joined(with: delta)
        }
        outcome.deliveries += 1
        if allowDuplicate && rng.chance(0.25) {
            outcome.duplicatesDelivered += 1  // stays in flight, to arrive again later
        } else {
            network.remove(at: index)
        }
    }

    /// Every replica sends everything to one hub, in random order, and the hub
    /// sends everything back.
    private mutating func fullExchange() {
        let hub = Int.random(in: 0..<replicaCount, using: &rng)
        for i in (0..<replicaCount).shuffled(using: &rng) {
            for record in records { states[hub][record] = state(hub, record).joined(with: state(i, record)) }
        }
        for i in (0..<replicaCount).shuffled(using: &rng) {
            for record in records { states[i][record] = state(i, record).joined(with: state(hub, record)) }
        }
    }

    private mutating func check() {
        let reference = states[0]
        for i in 1..<replicaCount where states[i] != reference {
            outcome.failures.append("replica \(i) differs from replica 0 after the full exchange")
        }
        for record in records {
            let final = state(0, record)
            if case .deleteConflict = final.status { outcome.deleteConflictsSeen += 1 }
            // Every write is still a value, or was overwritten by a write that had seen it.
            for (key, log) in writes where key.record == record {
                let current = key.field.map { final[$0].siblings.map(\.dot) } ?? final.existence.siblings.map(\.dot)
                for write in log where !current.contains(write.dot) {
                    let overwritten = log.contains { $0.dot != write.dot && $0.seenBefore.covers(write.dot) }
                    if !overwritten {
                        outcome.failures.append("write \(write.dot) to \(record) \(key.field ?? "(existence)") was lost")
                    }
                }
            }
            // No delete hides a value its author had not seen.
            let tombstones = final.existence.siblings.compactMap { sibling -> VersionVector? in
                if case .deleted(let seen) = sibling.value { return seen } else { return nil }
            }
            if !tombstones.isEmpty {
                let unseen = final.fields.values.flatMap(\.siblings).contains { sibling in
                    !tombstones.contains { $0.covers(sibling.dot) }
                }
                if unseen && !final.status.isVisible {
                    outcome.failures.append("\(record) is deleted although it holds an edit no delete had seen")
                }
            }
        }
    }
}
