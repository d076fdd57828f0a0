import Foundation
import GRDB
import KAMFaults
import KAMProtocol

/// Registers waiting to be pushed, as one push request.
public struct PendingBatch: Sendable {
    public let request: PushRequest
    /// The registers sent and the write each was pending for, so an edit made during the push stays pending.
    let rows: [(record: RecordID, field: String, ownDot: Int64)]
    /// The replica's dot counter when the batch was read: a local write with a
    /// higher counter was made while the batch was on its way.
    let counter: UInt64
    /// How many registers the batch holds.
    public var count: Int { rows.count }
}

extension ReplicaStore {
    /// The next batch of pending field states, oldest own write first, about
    /// `limit` of them; `nil` when nothing is pending.
    ///
    /// A record the server has never seen travels with what the server
    /// creates it from (``creationFields(of:)``): its required fields, its
    /// author and owner, and its existence. So the batch goes on past `limit`,
    /// still in order (the server takes a replica's new writes only in
    /// counter order), until every such record in it has those. Its other
    /// pending fields follow in their turn: a field edited long after its
    /// record was made offline does not pull everything written in between
    /// into one batch, which could outgrow what the server takes in a push.
    public func pendingBatch(limit: Int) throws -> PendingBatch? {
        try writer.read { db in
            let settings = try Self.settings(db)
            let counter = UInt64(try Int64.fetchOne(db, sql: "SELECT counter FROM replica WHERE id = 1") ?? 0)
            let cursor = try Row.fetchCursor(db, sql: "SELECT record_id, field, own_dot FROM pending ORDER BY own_dot, record_id, field")
            var order: [RecordID] = []
            var states: [RecordID: RecordState] = [:]
            var sent: [(RecordID, String, Int64)] = []
            // What the new records in the batch still lack for the server to create them.
            var missing: [RecordID: Set<String>] = [:]
            while sent.count < max(limit, 1) || !missing.isEmpty, let row = try cursor.next() {
                guard let id = RecordID(rawValue: row["record_id"]) else { continue }
                let field: String = row["field"]
                if states[id] == nil {
                    guard let state = try loadRecord(db, id) else { continue }
                    let pending = try Self.pendingFields(db, id)
                    // A record with no settled register was never acknowledged nor pulled: it is new to the server.
                    if !Self.hasSettled(state, pending: pending) {
                        let needed = pending.intersection(Self.creationFields(of: state.kind)).subtracting([field])
                        if !needed.isEmpty { missing[id] = needed }
                    }
                    states[id] = state
                    order.append(id)
                } else if var needed = missing[id], needed.remove(field) != nil {
                    missing[id] = needed.isEmpty ? nil : needed
                }
                sent.append((id, field, row["own_dot"]))
            }
            guard !sent.isEmpty else { return nil }
            var fields: [RecordID: [String]] = [:]
            for (id, field, _) in sent { fields[id, default: []].append(field) }
            let records = order.map { id in
                let names = fields[id]!
                return states[id]!.delta(fields: names.filter { $0 != Self.existenceField }, existence: names.contains(Self.existenceField))
            }
            return PendingBatch(request: PushRequest(replica: settings.replica, records: records), rows: sent, counter: counter)
        }
    }

    /// The registers a record the server has never seen must carry in the
    /// push that creates it: its required fields, which the server checks
    /// then; its author and owner, which only a creation sets (a rep may
    /// not change an owner later, nor anyone an author); and its existence.
    static func creationFields(of kind: RecordKind) -> Set<String> { creationFieldsByKind[kind] ?? [existenceField] }

    /// ``creationFields(of:)`` worked out once: a first push asks for every record.
    private static let creationFieldsByKind: [RecordKind: Set<String>] = Dictionary(uniqueKeysWithValues: RecordKind.allCases.map { kind in
        var fields: Set<String> = [existenceField]
        for spec in kind.schema.fields where spec.required || spec.name == "author" || spec.name == "owner" { fields.insert(spec.name) }
        return (kind, fields)
    })

    /// Records the server's acknowledgement of `batch`: what it merged is no
    /// longer pending (unless edited again meanwhile); a refused record is kept
    /// as a refusal for the user with what the batch sent of it. A refused
    /// record the server never had takes with it its pending fields written
    /// before the batch was read; one the server has keeps the fields the
    /// batch did not carry pending, to be judged in a later push. Only the
    /// exact versions the batch sent are cleared: an edit made while the push
    /// was on its way stays pending and goes with the next push (where the
    /// server judges it on its own).
    public func acknowledge(_ batch: PendingBatch, _ acknowledgement: PushAcknowledgement) throws {
        try writer.write { db in
            // A refused record with nothing settled here before was never on the server.
            var newRecords: Set<RecordID> = []
            for refusal in acknowledgement.refused {
                if let state = try loadRecord(db, refusal.id), Self.hasSettled(state, pending: try Self.pendingFields(db, refusal.id)) { continue }
                newRecords.insert(refusal.id)
            }
            for row in batch.rows {
                try db.execute(
                    sql: "DELETE FROM pending WHERE record_id = ? AND field = ? AND own_dot = ?",
                    arguments: [row.record.rawValue, row.field, row.ownDot])
            }
            let now = Timestamp.now().rawValue
            for refusal in acknowledgement.refused {
                // The values refused, kept for the user: what the batch sent of the record and, for a record the
                // server never had, the rest of its pending fields written before the batch was read (it would
                // refuse them too). A record it has keeps its unsent fields pending: they go in a later batch and
                // are judged on their own.
                let sent = Set(batch.rows.filter { $0.record == refusal.id }.map(\.field))
                let new = newRecords.contains(refusal.id)
                let earlier = new
                    ? try String.fetchAll(
                        db, sql: "SELECT field FROM pending WHERE record_id = ? AND own_dot <= ?",
                        arguments: [refusal.id.rawValue, Int64(clamping: batch.counter)])
                    : []
                var edits: [String: FieldValue] = [:]
                var account: (id: RecordID?, name: String?) = (nil, nil)
                if let state = try loadRecord(db, refusal.id) {
                    edits = Self.edits(of: state, fields: sent.union(earlier).sorted())
                    account = try Self.account(of: state, db)
                }
                // A write made after the batch was read is newer than what was refused.
                if new {
                    try db.execute(
                        sql: "DELETE FROM pending WHERE record_id = ? AND own_dot <= ?",
                        arguments: [refusal.id.rawValue, Int64(clamping: batch.counter)])
                }
                try Self.keepRefusal(
                    db, record: refusal.id, kind: refusal.kind, field: refusal.field, code: refusal.code, message: refusal.message,
                    edits: edits, account: account.id, accountName: account.name, removed: false,
                    newRecord: new, at: now)
            }
        }
    }

    /// The registers the server has acknowledged or sent (nothing pending), by
    /// record: what must be on the server whatever happened since.
    public func acknowledgedStates() throws -> [RecordState] {
        try writer.read { db in
            try loadRecords(db, ids: "SELECT id FROM records").compactMap { state in
                let pending = try Self.pendingFields(db, state.id)
                guard Self.hasSettled(state, pending: pending) else { return nil }
                return state.delta(fields: state.fields.keys.filter { !pending.contains($0) }, existence: !pending.contains(Self.existenceField))
            }
        }
    }

    /// Joins a pull page into the replica and stores its cursor, in one transaction.
    /// Returns how many records changed here and what left this laptop.
    ///
    /// A removal takes its record off this laptop; the edits to it the server
    /// has not accepted stay listed as refusals, with their values.
    ///
    /// A record this replica cannot store (a value that fails its kind's
    /// checks, a field it does not know, an id already held by a record of
    /// another kind) stops the whole page with ``SyncFailure/unstorable(record:reason:)``:
    /// nothing of the page is stored and the cursor does not move past it.
    @discardableResult
    public func apply(_ page: PullPage) throws -> AppliedPage {
        guard let cursor = Int64(exactly: page.cursor) else {
            throw SyncFailure.badResponse("the change feed's cursor \(page.cursor) is beyond what a replica can store")
        }
        // A page can be pulled again, unlike a local edit: its commit need not
        // wait for the disk (the replica commits with FULL otherwise), and the
        // sync's end syncs the WAL (`markSynced`). SQLite keeps the order of
        // commits either way, so power lost mid-sync loses only pages the
        // cursor has not passed yet.
        return try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            var applied: AppliedPage?
            try db.inTransaction {
                applied = try storePage(page, cursor: cursor, db)
                return .commit
            }
            return applied!
        }
    }

    private func storePage(_ page: PullPage, cursor: Int64, _ db: Database) throws -> AppliedPage {
        var changed = 0
        var accounts: [RecordID: RecordState?] = [:]
        // Owner changes that came before their account: usually none, and then no account looks for them.
        let waiting = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM owner_changes_waiting)") ?? true
        // What this laptop holds of the page's records, read in one statement (a bootstrap holds none).
        var held = Dictionary(
            try loadRecords(db, ids: "SELECT value FROM json_each(?)", arguments: [Self.jsonList(page.records.map(\.id.rawValue))])
                .map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for delta in page.records {
            do { try delta.kind.schema.check(delta) } catch {
                throw SyncFailure.unstorable(record: "\(delta.kind) \(delta.id)", reason: "\(error)")
            }
            let local = held[delta.id]
            if let local, local.kind != delta.kind {
                throw SyncFailure.unstorable(record: "\(delta.kind) \(delta.id)", reason: "this laptop holds a \(local.kind) under that id")
            }
            let base = local ?? RecordState(kind: delta.kind, id: delta.id)
            let merged = base.joined(with: delta)
            guard merged != base else { continue }
            try store(db, merged, ownerChangesWaiting: waiting)
            held[delta.id] = merged
            for account in RecordIndex.accounts(of: merged) where accounts[account] == nil { accounts[account] = .some(nil) }
            if merged.kind == .account { accounts[merged.id] = merged }
            changed += 1
        }
        // Removals after the records: the server never sends a record both
        // ways in one page, and a record still seen through another account
        // must be judged by its state after the page.
        let removed = try apply(page.removals, db)
        try Self.store(page.ownerChanges, db)
        for entry in removed where !entry.accountRemoved { accounts[entry.account] = accounts[entry.account] ?? .some(nil) }
        for entry in removed where entry.accountRemoved { accounts[entry.account] = nil }
        let withShareRecords = Set(try String.fetchAll(
            db, sql: "SELECT DISTINCT account_id FROM records WHERE kind = \(RecordKind.shareRecord.storedCode) AND account_id IN (SELECT value FROM json_each(?))",
            arguments: [Self.jsonList(accounts.keys.map(\.rawValue))]))
        for (account, known) in accounts {
            try refreshFlags(db, account: account, known: known, hasShareRecords: withShareRecords.contains(account.rawValue))
        }
        try Self.storeAuthors(page.authors, db)
        CrashPoint.afterPullPageStored.reach()
        try db.execute(sql: "UPDATE replica SET cursor = ? WHERE id = 1", arguments: [cursor])
        return AppliedPage(changed: changed, removed: removed)
    }
}
