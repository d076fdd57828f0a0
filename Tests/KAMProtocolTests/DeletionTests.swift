import KAMProtocol
import Testing

@Suite("Deletion")
struct DeletionTests {
    static let at = Timestamp(rawValue: 1_795_427_400_000)

    func created() -> (RecordState, DotClock) {
        var clock = DotClock(replica: ReplicaID(rawValue: "li")!)
        let state = Account(id: RecordID(rawValue: "acct-1")!, name: "ACME").newState(clock: &clock, at: Self.at)
        return (state, clock)
    }

    @Test("a delete that saw every edit deletes")
    func plainDelete() {
        var (state, clock) = created()
        state.delete(clock: &clock, at: Self.at)
        #expect(state.status == .deleted)
        #expect(!state.status.isVisible)
    }

    @Test("deleted on one laptop, edited on another: a conflict that keeps the edit")
    func deleteVersusEdit() throws {
        let (base, baseClock) = created()
        var li = base
        var liClock = baseClock
        li.delete(clock: &liClock, at: Self.at)
        var wang = base
        var wangClock = DotClock(replica: ReplicaID(rawValue: "wang")!)
        wang.write("notes", .text("new buyer from January"), clock: &wangClock, at: Self.at)

        for merged in [li.joined(with: wang), wang.joined(with: li)] {
            guard case .deleteConflict(let conflict) = merged.status else {
                Issue.record("expected a delete-versus-edit conflict, got \(merged.status)")
                continue
            }
            #expect(conflict.concurrentEdits.map(\.field) == ["notes"])
            #expect(conflict.deletes.count == 1)
            #expect(merged.needsResolution)
            #expect(try Account(state: merged).notes == "new buyer from January")
        }

        // Keeping the record settles it everywhere.
        var kept = li.joined(with: wang)
        kept.restore(clock: &liClock, at: Self.at)
        #expect(kept.status == .live)
        #expect(kept.joined(with: li).joined(with: wang).status == .live)

        // Deleting again, now having seen the edit, settles it the other way.
        var gone = li.joined(with: wang)
        gone.delete(clock: &wangClock, at: Self.at)
        #expect(gone.status == .deleted)
        #expect(gone.joined(with: wang).joined(with: li).status == .deleted)
    }

    @Test("an edit made after seeing a delete brings nothing back by accident")
    func editAfterDeleteIsConcurrentOnlyIfUnseen() {
        var (state, clock) = created()
        state.delete(clock: &clock, at: Self.at)
        var later = state
        var other = DotClock(replica: ReplicaID(rawValue: "wang")!)
        // Someone who has the delete edits anyway: their edit was not seen by the
        // delete, so the record shows again with the conflict for a person to settle.
        later.write("notes", .text("still a customer"), clock: &other, at: Self.at)
        guard case .deleteConflict = later.status else {
            Issue.record("an edit the delete did not see must keep the record visible")
            return
        }
    }

    @Test("a restore concurrent with a delete is a conflict")
    func restoreVersusDelete() {
        let (base, baseClock) = created()
        var deleted = base
        var clock = baseClock
        deleted.delete(clock: &clock, at: Self.at)
        var a = deleted
        var b = deleted
        var aClock = DotClock(replica: ReplicaID(rawValue: "a")!)
        var bClock = DotClock(replica: ReplicaID(rawValue: "b")!)
        a.restore(clock: &aClock, at: Self.at)
        b.delete(clock: &bClock, at: Self.at)
        guard case .deleteConflict(let conflict) = a.joined(with: b).status else {
            Issue.record("expected a conflict")
            return
        }
        #expect(conflict.concurrentRestore)
    }
}
