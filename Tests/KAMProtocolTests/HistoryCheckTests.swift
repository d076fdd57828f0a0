import KAMProtocol
import Testing

@Suite("History check")
struct HistoryCheckTests {
    static let at = Timestamp(rawValue: 1_795_427_400_000)
    static let li = ReplicaID(rawValue: "li")!
    static let wang = ReplicaID(rawValue: "wang")!
    static let id = RecordID(rawValue: "acct-1")!

    func check(highest: [ReplicaID: UInt64] = [:]) -> HistoryCheck {
        HistoryCheck(pusherReplicas: [Self.li], highestCounters: highest)
    }

    @Test("an honest first push and its retry pass")
    func honest() {
        var clock = DotClock(replica: Self.li)
        let state = Account(id: Self.id, name: "ACME").newState(clock: &clock, at: Self.at)
        #expect(check().violation(in: state, stored: nil) == nil)
        #expect(HistoryCheck.newCounters(in: state, stored: nil) == [Self.li: 2])
        // The server took it; the same push again is a harmless retry.
        #expect(check(highest: [Self.li: 2]).violation(in: state, stored: state) == nil)
        #expect(HistoryCheck.newCounters(in: state, stored: state).isEmpty)
    }

    @Test("a new write by someone else's replica is forged")
    func foreignDot() {
        var clock = DotClock(replica: Self.wang)
        let state = Account(id: Self.id, name: "ACME").newState(clock: &clock, at: Self.at)
        #expect(check().violation(in: state, stored: nil)?.code == "foreign-dot")
    }

    @Test("claiming to have seen writes the server never received is forged")
    func unseenHistory() throws {
        let forged = try Register<FieldValue>(
            siblings: [Sibling(dot: Dot(replica: Self.li, counter: 1), value: .text("x"), at: Self.at)],
            context: VersionVector([Self.li: 1, Self.wang: 40]))
        let state = RecordState(kind: .account, id: Self.id, fields: ["name": forged])
        #expect(check().violation(in: state, stored: nil) == .unseenHistory(replica: Self.wang, counter: 40, field: "name"))
    }

    @Test("a delete may not claim edits the server never received")
    func forgedDeleteContext() throws {
        let existence = try Register<Existence>(
            siblings: [Sibling(dot: Dot(replica: Self.li, counter: 1), value: .deleted(seen: VersionVector([Self.wang: 9])), at: Self.at)],
            context: VersionVector([Self.li: 1]))
        let state = RecordState(kind: .account, id: Self.id, fields: [:], existence: existence)
        #expect(check().violation(in: state, stored: nil)?.code == "unseen-history")
    }

    @Test("a restored backup reusing a counter is caught, same field or not")
    func reusedCounter() {
        var clock = DotClock(replica: Self.li)
        let stored = Account(id: Self.id, name: "ACME").newState(clock: &clock, at: Self.at)  // li:1, li:2
        // The laptop is restored to before those writes and writes again with counter 1.
        var restored = DotClock(replica: Self.li)
        var again = RecordState(kind: .account, id: Self.id)
        again.write("name", .text("ACME Ltd"), clock: &restored, at: Self.at)
        let sameField = check(highest: [Self.li: 2]).violation(in: again, stored: stored)
        #expect(sameField?.code == "replica-reused-counter")
        // A record the server has not seen, written with an old counter.
        var other = RecordState(kind: .account, id: RecordID(rawValue: "acct-2")!)
        other.write("name", .text("Globex"), dot: Dot(replica: Self.li, counter: 2), at: Self.at)
        #expect(check(highest: [Self.li: 2]).violation(in: other, stored: nil) == .reusedCounter(Dot(replica: Self.li, counter: 2), field: "name"))
        #expect(sameField.map { $0.description.contains("kam init") } == true)
    }

    @Test("building on others' writes the server sent is honest")
    func buildOnPulled() {
        var wangClock = DotClock(replica: Self.wang)
        let stored = Account(id: Self.id, name: "ACME").newState(clock: &wangClock, at: Self.at)
        var mine = stored
        var clock = DotClock(replica: Self.li, counter: 10)
        mine.write("name", .text("ACME Group"), clock: &clock, at: Self.at)
        mine.delete(clock: &clock, at: Self.at)
        #expect(check(highest: [Self.li: 10]).violation(in: mine, stored: stored) == nil)
    }
}
