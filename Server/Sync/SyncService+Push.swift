import Foundation
import KAMFaults
import KAMProtocol

extension SyncService {
    /// Joins a batch of pushed states into the merged state, in one transaction.
    ///
    /// A push that would forge history is refused whole (nothing is merged);
    /// a record the user may not write is refused alone and the rest merges.
    /// Re-sending a batch the server already took, refused writes included,
    /// gets the same acknowledgement and refusals back.
    public func push(_ request: PushRequest, by user: User) async throws -> PushAcknowledgement {
        guard KAMProtocolVersion.supported.contains(request.protocolVersion) else {
            throw SyncError.unsupportedProtocolVersion(request.protocolVersion)
        }
        guard user.role.mayPush else { throw SyncError.pushForbidden(user.role) }
        let batch = try Self.prepare(request.records)
        let outcome = try await committer.push(batch, from: request.replica, by: user)
        logger.debug(
            "merged",
            metadata: ["user": "\(user.name)", "replica": "\(request.replica)", "changed": "\(outcome.changed)"])
        return outcome.acknowledgement
    }

    /// Checks every pushed value against its schema and every register's
    /// shape, and joins repeated records. Accounts come first, so a record
    /// pushed with its new account in one batch finds it, whatever the order.
    static func prepare(_ records: [RecordState]) throws -> [RecordState] {
        var order: [RecordID] = []
        var byID: [RecordID: RecordState] = [:]
        for record in records {
            do { try record.kind.schema.check(record) } catch {
                throw SyncError.invalidValue(kind: record.kind, id: record.id, error)
            }
            // Every pushed register carries the write that changed it.
            for (name, register) in record.fields.sorted(by: { $0.key < $1.key }) where register.isEmpty {
                throw SyncError.malformedRegister(kind: record.kind, id: record.id, field: name)
            }
            if record.existence.isEmpty, !record.existence.context.isEmpty {
                throw SyncError.malformedRegister(kind: record.kind, id: record.id, field: nil)
            }
            if let earlier = byID[record.id] {
                guard earlier.kind == record.kind else {
                    throw SyncError.kindMismatch(id: record.id, stored: earlier.kind, pushed: record.kind)
                }
                byID[record.id] = earlier.joined(with: record)
            } else {
                order.append(record.id)
                byID[record.id] = record
            }
        }
        let records = order.map { byID[$0]! }
        return records.filter { $0.kind == .account } + records.filter { $0.kind != .account }
    }
}

/// What merging one push did.
struct PushOutcome: Sendable {
    var acknowledgement = PushAcknowledgement(accepted: 0, refused: [], sequence: 0)
    /// Registers stored with a new sequence number.
    var changed = 0
}

/// One push merged inside one write transaction: the policy's decisions,
/// the storage's primitives.
struct PushMerge {
    let tx: any SyncTransaction
    let user: User
    let replica: ReplicaID

    func run(_ batch: [RecordState]) throws -> PushOutcome {
        // Admitted in the push's own transaction (the group's read-ahead tells the pusher nothing).
        let now = SyncService.now()
        if try SyncService.admitted(replica, for: user, tx).isStale(at: now) { try tx.markSeen(replica, at: now) }
        let highest = try tx.replicaCounters(of: user.name)

        // What the server holds of each record, the writes each adds, and
        // which of those it refused before (a re-sent batch). A record the
        // user may not write is `hidden`: it is refused whatever its history
        // says, so no answer tells anything of what the server holds.
        var stored: [RecordID: StoredRecord] = [:]
        var hidden: Set<RecordID> = []
        var added: [RecordID: [Dot]] = [:]
        var refusedBefore: [RecordID: [RememberedRefusal]] = [:]
        let held = try tx.records(batch.map(\.id))
        for pushed in batch {
            let before = held[pushed.id]
            stored[pushed.id] = before
            if let before, try !mayWrite(before) { hidden.insert(pushed.id) }
            let dots = Self.newDots(in: pushed, stored: comparable(before, to: pushed))
            added[pushed.id] = dots
            var candidates: [ReplicaID: [UInt64]] = [:]
            for dot in dots where dot.counter <= highest[dot.replica, default: 0] { candidates[dot.replica, default: []].append(dot.counter) }
            for (replica, counters) in candidates.sorted(by: { $0.key < $1.key }) {
                refusedBefore[pushed.id, default: []] += try tx.refusals(replica: replica, counters: counters).filter { $0.record == pushed.id }
            }
        }

        // Nothing is merged from a push that forges history anywhere.
        for pushed in batch {
            let check = HistoryCheck(
                pusherReplicas: Set(highest.keys), highestCounters: highest,
                refusedDots: Set((refusedBefore[pushed.id] ?? []).map(\.dot)))
            if let violation = check.violation(in: pushed, stored: comparable(stored[pushed.id], to: pushed)), !hidden.contains(pushed.id) {
                throw SyncError.history(violation)
            }
        }

        var sequence = try tx.sequence()
        var outcome = PushOutcome()
        var processed: [ReplicaID: UInt64] = [:]
        var remember: [RememberedRefusal] = []
        // The accounts whose flags need a new look, with their merged state when this batch holds it.
        var touchedAccounts: [RecordID: RecordState?] = [:]
        for pushed in batch {
            let before = stored[pushed.id]
            let dots = added[pushed.id] ?? []
            // Refused writes count as processed too: their counters are spent,
            // and they are remembered, so sending them again is a retry.
            for dot in dots { processed[dot.replica] = max(processed[dot.replica, default: 0], dot.counter) }
            if let earlier = refusedBefore[pushed.id], !dots.isEmpty, earlier.count == dots.count {
                outcome.acknowledgement.refused.append(earlier.sorted { $0.dot < $1.dot }[0].refusal)
                continue
            }
            if hidden.contains(pushed.id) || !dots.isEmpty, let refusal = try refusal(of: pushed, stored: before, hidden: hidden.contains(pushed.id)) {
                outcome.acknowledgement.refused.append(refusal)
                // Only the pusher's own writes: no one answers for another's replica.
                remember += dots.filter { highest[$0.replica] != nil }.map { RememberedRefusal(dot: $0, record: pushed.id, refusal: refusal) }
                continue
            }
            outcome.acknowledgement.accepted += pushed.fields.count + (pushed.existence.context.isEmpty ? 0 : 1)
            let base = before?.state ?? RecordState(kind: pushed.kind, id: pushed.id)
            let merged = base.joined(with: pushed)
            guard merged != base else { continue }
            for name in pushed.fields.keys where merged[name] != base[name] {
                outcome.changed += 1
                if merged[name].isConflicted && !base[name].isConflicted { outcome.acknowledgement.conflicts += 1 }
            }
            if merged.existence != base.existence { outcome.changed += 1 }
            let createdBy = before?.createdBy ?? user.name
            sequence += 1
            try tx.saveRecord(merged, createdBy: createdBy, sequence: sequence)
            let access = AccessChanges(tx: tx)
            if merged.kind == .account {
                sequence = try access.account(merged, before: before?.state, createdBy: createdBy, by: user.name, sequence: sequence)
            } else if let before {
                sequence = try access.move(merged, before: before.state, sequence: sequence)
            }
            for account in RecordIndex.accounts(of: merged) where touchedAccounts[account] == nil { touchedAccounts[account] = .some(nil) }
            if merged.kind == .account { touchedAccounts[merged.id] = merged }
        }
        for (account, known) in touchedAccounts { try refreshFlags(account, known: known) }
        try tx.setSequence(sequence)
        for (replica, counter) in processed where counter > highest[replica, default: 0] {
            try tx.setHighestCounter(counter, of: replica)
        }
        try tx.remember(remember)
        outcome.acknowledgement.sequence = sequence
        return outcome
    }

    /// Whether `user` may write the record the server holds: the account
    /// itself, or every account the record names.
    func mayWrite(_ record: StoredRecord) throws -> Bool {
        let accounts = RecordIndex.accounts(of: record.state)
        guard !accounts.isEmpty else { return user.role.writesAllAccounts }
        for account in accounts where try !AccessRule.mayWrite(user, account: account, tx) { return false }
        return true
    }

    /// The stored state a pushed one is compared with: none for a record of another kind.
    func comparable(_ stored: StoredRecord?, to pushed: RecordState) -> RecordState? {
        guard let stored, stored.state.kind == pushed.kind else { return nil }
        return stored.state
    }

    /// The writes `pushed` adds to `stored`: its sibling dots the stored
    /// registers have not seen.
    static func newDots(in pushed: RecordState, stored: RecordState?) -> [Dot] {
        let stored = stored ?? RecordState(kind: pushed.kind, id: pushed.id)
        var dots = pushed.existence.siblingDots(notCoveredBy: stored.existence.context)
        for (name, register) in pushed.fields { dots += register.siblingDots(notCoveredBy: stored[name].context) }
        return dots.sorted()
    }

    /// Why `user` may not write `pushed`, or `nil` when they may. The
    /// messages never reveal a record or an owner the user may not see.
    func refusal(of pushed: RecordState, stored: StoredRecord?, hidden: Bool) throws -> PushRefusal? {
        func refuse(_ code: String, _ message: String, field: String? = nil) -> PushRefusal {
            PushRefusal(kind: pushed.kind, id: pushed.id, field: field, code: code, message: message)
        }
        // Built from what was pushed alone: it tells nothing of the record held.
        if hidden { return refuse("not-owner", Self.noAccess(pushed.kind, pushed.id, user: user)) }
        if let stored, stored.state.kind != pushed.kind {
            return refuse("id-taken", "the id \(pushed.id) cannot be used for this \(pushed.kind): create it again and it gets a new id")
        }
        let base = stored?.state ?? RecordState(kind: pushed.kind, id: pushed.id)
        let merged = base.joined(with: pushed)

        // The shape of a share record's id is kept for share records.
        if stored == nil, pushed.kind != .shareRecord, Self.hasShareRecordShape(pushed.id) {
            return refuse("id-mismatch", "ids of the form ACCOUNT:PERIOD belong to share records: create the \(pushed.kind) again and it gets a new id")
        }
        // A record is created only with its required fields.
        if stored == nil {
            for spec in pushed.kind.schema.fields where spec.required {
                guard merged[spec.name].values.contains(where: { $0 != .null }) else {
                    return refuse("missing-field", DomainError.missingField(kind: pushed.kind, field: spec.name).description, field: spec.name)
                }
            }
        }
        // Ids derived from fields match them.
        if pushed.kind == .shareRecord {
            let accounts = merged["account"].distinctValues.compactMap { $0.text.flatMap(RecordID.init(rawValue:)) }
            let periods = merged["period"].distinctValues.compactMap { $0.text.flatMap { try? Period(parsing: $0) } }
            let derived = Set(accounts.flatMap { account in periods.map { RecordID.shareRecord(account: account, period: $0) } })
            guard derived == [pushed.id] else {
                return refuse(
                    "id-mismatch",
                    "a share record's id is its account and period (ACCOUNT:PERIOD); \(pushed.id) does not match the record's own account and period")
            }
        }
        // Provenance is the server's: the author is written once, when the
        // record is created, and it is the pushing user.
        if pushed.kind.schema.spec("author") != nil {
            let written = pushed["author"].siblings.filter { !base["author"].context.covers($0.dot) }
            if stored != nil ? !written.isEmpty : written.contains(where: { $0.value != .text(user.name) }) {
                return refuse("not-author", "the author of a \(pushed.kind) is the user who created it (\(user.name) for a new one), and it never changes", field: "author")
            }
        }
        // The access rule.
        if pushed.kind == .account {
            guard let stored else {
                // A rep creates accounts they own, or that nobody owns yet.
                let owners = AccessRule.owners(of: merged)
                if !AccessRule.mayChangeOwner(user), !owners.isEmpty, owners != [user.name] {
                    return refuse(
                        "owner-change",
                        "a rep creates only accounts they own: create it with yourself (\(user.name)) as owner, or ask a manager to assign it",
                        field: "owner")
                }
                return try unknownOwner(in: pushed, stored: nil)
            }
            guard try AccessRule.mayWrite(user, account: pushed.id, tx) else {
                return refuse("not-owner", Self.noAccess(.account, pushed.id, user: user))
            }
            let ownerWritten = !pushed["owner"].siblingDots(notCoveredBy: stored.state["owner"].context).isEmpty
            if ownerWritten, !AccessRule.mayChangeOwner(user) {
                return refuse("owner-change", "only a manager or an admin changes who owns an account: ask one to reassign it", field: "owner")
            }
            return try unknownOwner(in: pushed, stored: stored.state)
        }
        // A record joins the accounts it names and leaves the ones it named:
        // the user needs write access to every one of them.
        let accounts = Set(RecordIndex.accounts(of: base) + RecordIndex.accounts(of: merged))
        guard !RecordIndex.accounts(of: merged).isEmpty else {
            return refuse("missing-account", "a new \(pushed.kind) must name its account")
        }
        for account in accounts.sorted() {
            let exists = try tx.kind(of: account) == .account
            if !exists, user.role.seesAllAccounts {
                return refuse("unknown-account", "account \(account) is not on the server: its creation was refused or not pushed yet")
            }
            guard exists, try AccessRule.mayWrite(user, account: account, tx) else {
                return refuse("not-owner", Self.noAccess(.account, account, user: user))
            }
        }
        return nil
    }

    /// A refusal when `pushed` writes an owner who is no user of the server:
    /// an account owned by a misspelt name would belong to nobody who can sign in.
    func unknownOwner(in pushed: RecordState, stored: RecordState?) throws -> PushRefusal? {
        let written = pushed["owner"].siblings.filter { sibling in !(stored?["owner"].context.covers(sibling.dot) ?? false) }
        let names = Set(written.compactMap(\.value.text))
        guard !names.isEmpty else { return nil }
        let known = try tx.roles(of: names)
        guard let unknown = names.sorted().first(where: { known[$0] == nil }) else { return nil }
        return PushRefusal(
            kind: pushed.kind, id: pushed.id, field: "owner", code: "unknown-owner",
            message: "there is no user named \(unknown.prefix(100)) on the server: an account's owner is a user name ('kam-server user list' shows them); set the right one with 'kam account set --owner'")
    }

    /// Whether `id` reads as `ACCOUNT:PERIOD`, the id of a share record.
    static func hasShareRecordShape(_ id: RecordID) -> Bool {
        guard let colon = id.rawValue.lastIndex(of: ":") else { return false }
        return (try? Period(parsing: String(id.rawValue[id.rawValue.index(after: colon)...]))) != nil
    }

    /// The one answer for an account that does not exist and one the user may
    /// not write, so a refusal reveals neither.
    static func noAccess(_ kind: RecordKind, _ id: RecordID, user: User) -> String {
        "\(kind) \(id) is not yours (\(user.name)) to change, or not on the server: it may have been reassigned while you were offline. Ask a manager"
    }

    /// Recomputes the review flags of an account from its merged state and its
    /// share records. `known` is the account's merged state when the caller holds it.
    func refreshFlags(_ account: RecordID, known: RecordState?) throws {
        guard let state = try known ?? tx.record(account)?.state, state.kind == .account else { return }
        let flags = ReviewFlags.evaluate(account: state, shareRecords: try tx.shareRecords(of: account)).map(\.code)
        try tx.setFlags(flags, of: account)
    }
}
