import KAMProtocol
import PropertyBased
import Testing

/// The laws that make sync safe to retry, reorder, resume and repeat, checked
/// on generated reachable states (1,000 cases per law in every run).
@Suite("Merge laws")
struct MergeLawTests {
    static let cases = 1_000

    @Test("register join is commutative")
    func registerCommutative() async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.registerTriples) { a, b, _ in
            checked += 1
            #expect(a.joined(with: b) == b.joined(with: a))
        }
        #expect(checked == Self.cases)
    }

    @Test("register join is associative")
    func registerAssociative() async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.registerTriples) { a, b, c in
            checked += 1
            #expect(a.joined(with: b).joined(with: c) == a.joined(with: b.joined(with: c)))
        }
        #expect(checked == Self.cases)
    }

    @Test("register join is idempotent")
    func registerIdempotent() async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.registerTriples) { a, b, _ in
            checked += 1
            #expect(a.joined(with: a) == a)
            let ab = a.joined(with: b)
            #expect(ab.joined(with: b) == ab)
        }
        #expect(checked == Self.cases)
    }

    @Test("a local write dominates everything its writer had seen")
    func writeDominates() async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.registerTriples) { a, b, _ in
            checked += 1
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
        #expect(checked == Self.cases)
    }

    @Test("concurrent writes both survive a join")
    func concurrentWritesSurvive() async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.registerTriples) { a, b, _ in
            checked += 1
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
        #expect(checked == Self.cases)
    }

    @Test("record join is commutative, associative and idempotent")
    func recordLaws() async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.recordTriples) { a, b, c in
            checked += 1
            #expect(a.joined(with: b) == b.joined(with: a))
            #expect(a.joined(with: b).joined(with: c) == a.joined(with: b.joined(with: c)))
            #expect(a.joined(with: a) == a)
            #expect(a.joined(with: b).joined(with: b) == a.joined(with: b))
        }
        #expect(checked == Self.cases)
    }

    @Test("a delete never hides an edit it had not seen")
    func deleteKeepsConcurrentEdits() async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.recordTriples) { a, b, _ in
            checked += 1
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
        #expect(checked == Self.cases)
    }

    @Test("join agrees with the version-vector order of the states")
    func joinMatchesOrder() async {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.registerTriples) { a, b, _ in
            checked += 1
            switch a.context.compare(to: b.context) {
            case .before: #expect(a.joined(with: b) == b)
            case .after: #expect(a.joined(with: b) == a)
            case .equal: #expect(a == b)
            case .concurrent: #expect(a.joined(with: b).context.compare(to: a.context) == .after)
            }
        }
        #expect(checked == Self.cases)
    }
}
