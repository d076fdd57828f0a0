import KAMProtocol
import PropertyBased
import Testing

/// The laws that make sync safe to retry, reorder, resume and repeat, checked
/// on generated reachable states (1,000 cases per law in every run).
@Suite("Merge laws")
struct MergeLawTests {
    static let cases = 1_000

    /// Checks `body` on `cases` generated inputs, and that every one of them ran.
    func law<Input>(
        _ input: Generator<Input, some Sequence>, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (Input) throws -> Void
    ) async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: input, perform: { value in
            checked += 1
            try body(value)
        }, sourceLocation: sourceLocation)
        #expect(checked == Self.cases, sourceLocation: sourceLocation)
    }

    @Test("version vectors answer as a plain map from replica to counter would, whatever the order of events")
    func versionVectorModel() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var vectors = Array(repeating: VersionVector(), count: 3)
            var models = Array(repeating: [ReplicaID: UInt64](), count: 3)
            for _ in 0..<Int.random(in: 0..<12, using: &rng) {
                let i = Int.random(in: 0..<3, using: &rng)
                if Bool.random(using: &rng) {
                    let dot = Dot(replica: Histories.replica(Int.random(in: 0..<5, using: &rng)), counter: UInt64.random(in: 1...6, using: &rng))
                    vectors[i].add(dot)
                    models[i][dot.replica] = max(models[i][dot.replica] ?? 0, dot.counter)
                } else {
                    let j = Int.random(in: 0..<3, using: &rng)
                    vectors[i].join(vectors[j])
                    models[i].merge(models[j], uniquingKeysWith: max)
                }
            }
            for i in 0..<3 {
                #expect(vectors[i].counters == models[i])
                #expect(vectors[i] == VersionVector(models[i]))
                #expect(vectors[i].sortedCounters.map(\.replica) == models[i].keys.sorted())
                for j in 0..<3 {
                    let covers = models[j].allSatisfy { (models[i][$0.key] ?? 0) >= $0.value }
                    #expect(vectors[i].covers(vectors[j]) == covers)
                }
                for replica in (0..<5).map(Histories.replica) {
                    #expect(vectors[i][replica] == models[i][replica] ?? 0)
                }
            }
        }
    }

    @Test("register join is commutative")
    func registerCommutative() async {
        await law(Histories.registerTriples) { a, b, _ in
            #expect(a.joined(with: b) == b.joined(with: a))
        }
    }

    @Test("register join is associative")
    func registerAssociative() async {
        await law(Histories.registerTriples) { a, b, c in
            #expect(a.joined(with: b).joined(with: c) == a.joined(with: b.joined(with: c)))
        }
    }

    @Test("register join is idempotent")
    func registerIdempotent() async {
        await law(Histories.registerTriples) { a, b, _ in
            #expect(a.joined(with: a) == a)
            let ab = a.joined(with: b)
            #expect(ab.joined(with: b) == ab)
        }
    }

    @Test("a local write dominates everything its writer had seen")
    func writeDominates() async {
        await law(Histories.registerTriples) { a, b, _ in
            let seen = a.joined(with: b)
            var written = seen
            let dot = Dot(replica: ReplicaID(rawValue: "writer")!, counter: 1)
            written.write(99, dot: dot, at: Histories.at)
            #expect(written.values == [99])
            #expect(written.context.covers(seen.context))
            #expect(written.context.compare(to: seen.context) == .after)
            // Whatever the writer had seen cannot bring an old value back.
            #expect(written.joined(with: a) == written)
            #expect(written.joined(with: b) == written)
        }
    }

    @Test("concurrent writes both survive a join")
    func concurrentWritesSurvive() async {
        await law(Histories.registerTriples) { a, b, _ in
            var left = a
            var right = b
            left.write(100, dot: Dot(replica: ReplicaID(rawValue: "left")!, counter: 1), at: Histories.at)
            right.write(200, dot: Dot(replica: ReplicaID(rawValue: "right")!, counter: 1), at: Histories.at)
            let merged = left.joined(with: right)
            #expect(Set(merged.values) == [100, 200])
            #expect(merged.isConflicted)
            // Resolving is an ordinary write that covers both.
            var resolved = merged
            resolved.write(300, dot: Dot(replica: ReplicaID(rawValue: "left")!, counter: 2), at: Histories.at)
            #expect(resolved.joined(with: left).joined(with: right).values == [300])
        }
    }

    @Test("record join is commutative, associative and idempotent")
    func recordLaws() async {
        await law(Histories.recordTriples) { a, b, c in
            #expect(a.joined(with: b) == b.joined(with: a))
            #expect(a.joined(with: b).joined(with: c) == a.joined(with: b.joined(with: c)))
            #expect(a.joined(with: a) == a)
            #expect(a.joined(with: b).joined(with: b) == a.joined(with: b))
        }
    }

    @Test("a delete never hides an edit it had not seen")
    func deleteKeepsConcurrentEdits() async {
        await law(Histories.recordTriples) { a, b, _ in
            var deleter = a
            var editor = b
            var deleterClock = DotClock(replica: ReplicaID(rawValue: "deleter")!)
            var editorClock = DotClock(replica: ReplicaID(rawValue: "editor")!)
            deleter.delete(clock: &deleterClock, at: Histories.at)
            editor.write("notes", .text("called the buyer"), clock: &editorClock, at: Histories.at)
            let merged = deleter.joined(with: editor)
            guard case .deleteConflict(let conflict) = merged.status else {
                Issue.record("a delete concurrent with an edit must show as a conflict, got \(merged.status)")
                return
            }
            #expect(conflict.concurrentEdits.contains { $0.field == "notes" && $0.sibling.value == .text("called the buyer") })
            #expect(merged.status.isVisible)
        }
    }

    @Test("join agrees with the version-vector order of the states")
    func joinMatchesOrder() async {
        await law(Histories.registerTriples) { a, b, _ in
            switch a.context.compare(to: b.context) {
            case .before: #expect(a.joined(with: b) == b)
            case .after: #expect(a.joined(with: b) == a)
            case .equal: #expect(a == b)
            case .concurrent: #expect(a.joined(with: b).context.compare(to: a.context) == .after)
            }
        }
    }
}
