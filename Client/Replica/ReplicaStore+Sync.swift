import Foundation
import GRDB
import KAMFaults
import KAMProtocol

/// Field states waiting to be pushed, as one push request.
public struct PendingBatch: Sendable {
    public let request: PushRequest
    /// The rows sent and the version each had, so an edit made during the push stays pending.
    let rows: [(record: RecordID, field: String, version: Int64)]
    /// How many field states the batch holds.
    public var count: Int { rows.count }
}

extension ReplicaStore {
    /// The next batch of pending field states, oldest own write first, at most
    /// `limit` of them; `nil` when nothing is pending.
    public func pendingBatch(limit: Int) throws -> PendingBatch? {
        try writer.read { db in
            let settings = try Self.settings(db)
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT record_id, field, kind, state, version FROM field_states WHERE pending = 1 ORDER BY own_dot, record_id, field LIMIT ?",
                arguments: [limit])
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
            return PendingBatch(request: PushRequest(replica: settings.replica, records: order.map { deltas[$0]! }), rows: sent)
        }
    }

    /// Records the server's acknowledgement of `batch`: what it merged is no
    /// longer pending (unless edited again meanwhile); a refused record is kept
    /// as a refusal for the user, and none of its pending fields is pushed again.
    public func acknowledge(_ batch: PendingBatch, _ acknowledgement: PushAcknowledgement) throws {
        try writer.write { db in
            for row in batch.rows {
                try db.execute(
                    sql: "UPDATE field_states SET pending = 0 WHERE record_id = ? AND field = ? AND version = ?",
                    arguments: [row.record.rawValue, row.field, row.version])
            }
            let now = Timestamp.now().rawValue
            for refusal in acknowledgement.refused {
                // The rest of a refused record would be refused too (its fields may span batches).
                try db.execute(sql: "UPDATE field_states SET pending = 0 WHERE record_id = ?", arguments: [refusal.id.rawValue])
                try db.execute(
                    sql: """
                        INSERT INTO refusals (record_id, field, kind, code, message, at) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (record_id, field) DO UPDATE SET code = excluded.code, message = excluded.message, at = excluded.at
                        """,
                    arguments: [refusal.id.rawValue, refusal.field ?? "", refusal.kind.rawValue, refusal.code, refusal.message, now])
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
    /// Returns how many records changed here.
    @discardableResult
    public func apply(_ page: PullPage) throws -> Int {
        try writer.write { db in
            var changed = 0
            var accounts: [RecordID: RecordState?] = [:]
            for delta in page.records {
                let local = try Self.loadRecord(db, delta.id)
                if let local, local.kind != delta.kind { continue }  // a server never sends this; refuse to mix kinds
                let base = local ?? RecordState(kind: delta.kind, id: delta.id)
                let merged = base.joined(with: delta)
                guard merged != base else { continue }
                let fields = delta.fields.keys.filter { merged[$0] != base[$0] }
                try Self.save(db, merged, fields: fields, existence: merged.existence != base.existence, localDot: nil)
                for account in RecordIndex.accounts(of: merged) where accounts[account] == nil { accounts[account] = .some(nil) }
                if merged.kind == .account { accounts[merged.id] = merged }
                changed += 1
            }
            for (account, known) in accounts { try Self.refreshFlags(db, account: account, known: known) }
            for (replica, user) in page.authors {
                try db.execute(
                    sql: "INSERT INTO authors (replica, user_name) VALUES (?, ?) ON CONFLICT (replica) DO UPDATE SET user_name = excluded.user_name",
                    arguments: [replica.rawValue, user])
            }
            CrashPoint.afterPullPageStored.reach()
            try db.execute(sql: "UPDATE replica SET cursor = ? WHERE id = 1", arguments: [Int64(page.cursor)])
            return changed
        }
    }
}
