import KAMProtocol
import PropertyBased

/// Reachable states, made by replaying random histories: replicas write and
/// join in random order. Only reachable states are meaningful for the merge
/// laws (a state cannot hold a value its own version vector has not seen).
enum Histories {
    static func replica(_ index: Int) -> ReplicaID { ReplicaID(rawValue: "r\(index)")! }

    static let at = Timestamp(rawValue: 1_800_000_000_000)

    /// The states of every replica of one register after a random history.
    static func registers(
        replicas: Int, steps: Int, using rng: inout some RandomNumberGenerator
    ) -> [Register<Int>] {
        var clocks = (0..<replicas).map { DotClock(replica: replica($0)) }
        var states = Array(repeating: Register<Int>(), count: replicas)
        for _ in 0..<steps {
            let i = Int.random(in: 0..<replicas, using: &rng)
            if Bool.random(using: &rng) {
                states[i].write(Int.random(in: 0..<5, using: &rng), dot: clocks[i].next(), at: at)
            } else {
                states[i].join(states[Int.random(in: 0..<replicas, using: &rng)])
            }
        }
        return states
    }

    static let fields = ["name", "region", "notes"]

    /// The states of every replica of one record after a random history of
    /// field writes, deletes, restores and (partial) joins.
    static func records(
        replicas: Int, steps: Int, using rng: inout some RandomNumberGenerator
    ) -> [RecordState] {
        let id = RecordID(rawValue: "acct-1")!
        var clocks = (0..<replicas).map { DotClock(replica: replica($0)) }
        var states = Array(repeating: RecordState(kind: .account, id: id), count: replicas)
        for _ in 0..<steps {
            let i = Int.random(in: 0..<replicas, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4:
                let field = fields.randomElement(using: &rng)!
                states[i].write(field, .integer(Int64.random(in: 0..<4, using: &rng)), clock: &clocks[i], at: at)
            case 4:
                states[i].delete(clock: &clocks[i], at: at)
            case 5:
                states[i].restore(clock: &clocks[i], at: at)
            case 6, 7:
                let other = states[Int.random(in: 0..<replicas, using: &rng)]
                let some = fields.filter { _ in Bool.random(using: &rng) }
                states[i].join(other.delta(fields: some, existence: Bool.random(using: &rng)))
            default:
                states[i].join(states[Int.random(in: 0..<replicas, using: &rng)])
            }
        }
        return states
    }

    /// Three states from one random history of up to 4 replicas.
    static let registerTriples = Generator<(Register<Int>, Register<Int>, Register<Int>), _> { rng in
        let states = registers(replicas: Int.random(in: 2...4, using: &rng), steps: Int.random(in: 0...30, using: &rng), using: &rng)
        return (states.randomElement(using: &rng)!, states.randomElement(using: &rng)!, states.randomElement(using: &rng)!)
    }

    /// Three record states from one random history of up to 4 replicas.
    static let recordTriples = Generator<(RecordState, RecordState, RecordState), _> { rng in
        let states = records(replicas: Int.random(in: 2...4, using: &rng), steps: Int.random(in: 0...40, using: &rng), using: &rng)
        return (states.randomElement(using: &rng)!, states.randomElement(using: &rng)!, states.randomElement(using: &rng)!)
    }
}
