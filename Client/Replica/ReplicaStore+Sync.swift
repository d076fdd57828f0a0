import Foundation
import GRDB
import KAMFaults
import KAMProtocol

/// Field states waiting to be pushed, as one push request.
public struct PendingBatch: Sendable {
    public let request: PushRequest
    /// The rows sent and the version each had, so an edit made during the push stays pending.
    let rows: [(record: RecordID, field: String, version: Int64)]
    /// The replica's dot counter when the batch was read: a local write with a
    /// higher counter was made while the batch was on its way.
    let counter: UInt64
    /// How many field states the batch holds.
    public var count: Int { rows.count }
}

extension ReplicaStore {
    /// The next batch of pending field states, oldest own write first, about
    /// `limit` of them; `nil` when nothing is pending.
    ///
    /// A record the server has never seen travels whole: the server creates a
    /// record only with its required fields. So the batch goes on past `limit`,
    /// still in order, until every such record in it is complete.
    public func pendingBatch(limit: Int) throws -> PendingBatch? {
        try writer.read { db in
            let settings = try Self.settings(db)
            let counter = UInt64(try Int64.fetchOne(db, sql: "SELECT counter FROM replica WHERE id = 1") ?? 0)
            let cursor = try Row.fetchCursor(
                db,
                sql: "SELECT record_id, field, kind, state, version FROM field_states WHERE pending = 1 ORDER BY own_dot, record_id, field")
            var rows: [Row] = []
            // Pending rows still to come of the new records in the batch.
            var missing: [String: Int] = [:]
            var unfinished = 0
            let counts = try db.cachedStatement(
                sql: "SELECT SUM(pending = 1), SUM(pending = 0) FROM field_states WHERE record_id = ?")
            while rows.count < max(limit, 1) || unfinished > 0, let row = try cursor.next() {
                let record: String = row["record_id"]
                if let left = missing[record] {
                    if left > 0 { missing[record] = left - 1 }
                    if left == 1 { unfinished -= 1 }
                } else {
                    let count = try Row.fetchOne(counts, arguments: [record])
                    let (pending, settled): (Int, Int) = (count?[0] ?? 0, count?[1] ?? 0)
                    // A record with no settled row was never acknowledged nor pulled: it is new to the server.
                    missing[record] = settled == 0 ? pending - 1 : 0
                    if settled == 0, pending > 1 { unfinished += 1 }
                }
                rows.append(row.copy())
            }
            guard !rows.isEmpty else { return nil }
            var order: [RecordID] = []
            var deltas: [RecordID: RecordState] = [:]
            var sent: [(RecordID, String, Int64)] = []
            for row in rows {
                guard let id = RecordID(rawValue: row["record_id"]), let kind = RecordKind(rawValue: row["kind"]) else { continue }
                let part = try Self.delta(kind: kind, id: id, field: row["field"], data: row["state"])
                if let earlier = deltas[id] { deltas[id] = earlier.joined(with: part) } else {
                    order.append(id)
                    deltas[id] = part
                }
                sent.append((id, row["field"], row["version"]))
            }
            return PendingBatch(request: PushRequest(replica: settings.replica, records: order.map { deltas[$0]! }), rows: sent, counter: counter)
        }
    }

    /// Records the server's acknowledgement of `batch`: what it merged is no
    /// longer pending (unless edited again meanwhile); a refused record is kept
    /// as a refusal for the user, and none of its pending fields written before
    /// the batch is pushed again. Only the exact versions the batch sent are
    /// cleared: an edit made while the push was on its way stays pending and
    /// goes with the next push (where the server judges it on its own).
    public func acknowledge(_ batch: PendingBatch, _ acknowledgement: PushAcknowledgement) throws {
        try writer.write { db in
            // A refused record with nothing settled here before was never on the server.
            var newRecords: Set<RecordID> = []
            for refusal in acknowledgement.refused where try Int.fetchOne(
                db, sql: "SELECT 1 FROM field_states WHERE record_id = ? AND pending = 0 LIMIT 1", arguments: [refusal.id.rawValue]) == nil
            {
                newRecords.insert(refusal.id)
            }
            for row in batch.rows {
                try db.execute(
                    sql: "UPDATE field_states SET pending = 0 WHERE record_id = ? AND field = ? AND version = ?",
                    arguments: [row.record.rawValue, row.field, row.version])
            }
            let now = Timestamp.now().rawValue
            for refusal in acknowledgement.refused {
                // The values refused, kept for the user: what the batch sent of the record, and the rest of its
                // pending fields written before the batch was read (they would be refused too).
                let sent = Set(batch.rows.filter { $0.record == refusal.id }.map(\.field))
                let earlier = try String.fetchAll(
                    db, sql: "SELECT field FROM field_states WHERE record_id = ? AND pending = 1 AND own_dot <= ?",
                    arguments: [refusal.id.rawValue, Int64(clamping: batch.counter)])
                var edits: [String: FieldValue] = [:]
                var account: (id: RecordID?, name: String?) = (nil, nil)
                if let state = try Self.loadRecord(db, refusal.id) {
                    edits = Self.edits(of: state, fields: sent.union(earlier).sorted())
                    account = try Self.account(of: state, db)
                }
                // A write made after the batch was read is newer than what was refused.
                try db.execute(
                    sql: "UPDATE field_states SET pending = 0 WHERE record_id = ? AND pending = 1 AND own_dot <= ?",
                    arguments: [refusal.id.rawValue, Int64(clamping: batch.counter)])
                try Self.keepRefusal(
                    db, record: refusal.id, kind: refusal.kind, field: refusal.field, code: refusal.code, message: refusal.message,
                    edits: edits, account: account.id, accountName: account.name, removed: false,
                    newRecord: newRecords.contains(refusal.id), at: now)
            }
        }
    }

    /// The field states the server has acknowledged (nothing pending), by record:
    /// what must be on the server whatever happened since.
    public func acknowledgedStates() throws -> [RecordState] {
        try writer.read { db in
            try Self.loadRecords(db, ids: "SELECT DISTINCT record_id FROM field_states WHERE pending = 0")
                .map { state in
                    let pending = Set(try String.fetchAll(db, sql: "SELECT field FROM field_states WHERE record_id = ? AND pending = 1", arguments: [state.id.rawValue]))
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
        return try writer.write { db in
            var changed = 0
            var accounts: [RecordID: RecordState?] = [:]
            for delta in page.records {
                do { try delta.kind.schema.check(delta) } catch {
                    throw SyncFailure.unstorable(record: "\(delta.kind) \(delta.id)", reason: "\(error)")
                }
                let local = try Self.loadRecord(db, delta.id)
                if let local, local.kind != delta.kind {
                    throw SyncFailure.unstorable(record: "\(delta.kind) \(delta.id)", reason: "this laptop holds a \(local.kind) under that id")
                }
                let base = local ?? RecordState(kind: delta.kind, id: delta.id)
                let merged = base.joined(with: delta)
                guard merged != base else { continue }
                let fields = delta.fields.keys.filter { merged[$0] != base[$0] }
                try Self.save(db, merged, fields: fields, existence: merged.existence != base.existence, localDot: nil)
                for account in RecordIndex.accounts(of: merged) where accounts[account] == nil { accounts[account] = .some(nil) }
                if merged.kind == .account { accounts[merged.id] = merged }
                changed += 1
            }
            // Removals after the records: the server never sends a record both
            // ways in one page, and a record still seen through another account
            // must be judged by its state after the page.
            let removed = try Self.apply(page.removals, db)
            try Self.store(page.ownerChanges, db)
            for entry in removed where !entry.accountRemoved { accounts[entry.account] = accounts[entry.account] ?? .some(nil) }
            for entry in removed where entry.accountRemoved { accounts[entry.account] = nil }
            for (account, known) in accounts { try Self.refreshFlags(db, account: account, known: known) }
            try Self.storeAuthors(page.authors, db)
            CrashPoint.afterPullPageStored.reach()
            try db.execute(sql: "UPDATE replica SET cursor = ? WHERE id = 1", arguments: [cursor])
            return AppliedPage(changed: changed, removed: removed)
        }
    }
}
