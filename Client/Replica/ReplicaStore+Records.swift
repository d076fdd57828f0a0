import Foundation
import GRDB
import KAMProtocol

extension ReplicaStore {
    /// The merged state of record `id`, or `nil` if this replica has never seen it.
    public func record(_ id: RecordID) throws -> RecordState? {
        try writer.read { db in try Self.loadRecord(db, id) }
    }

    static func loadRecord(_ db: Database, _ id: RecordID) throws -> RecordState? {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT field, kind, state FROM field_states WHERE record_id = ?"), arguments: [id.rawValue])
        guard let first = rows.first, let kind = RecordKind(rawValue: first["kind"]) else { return nil }
        var state = RecordState(kind: kind, id: id)
        for row in rows { state.join(try delta(kind: kind, id: id, field: row["field"], data: row["state"])) }
        return state
    }

    /// The records `sql` selects by id (it must yield `id`), fully loaded.
    static func loadRecords(_ db: Database, ids sql: String, arguments: StatementArguments = [:]) throws -> [RecordState] {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT record_id, field, kind, state FROM field_states WHERE record_id IN (\(sql)) ORDER BY record_id",
            arguments: arguments)
        var states: [RecordState] = []
        for row in rows {
            guard let id = RecordID(rawValue: row["record_id"]), let kind = RecordKind(rawValue: row["kind"]) else { continue }
            let part = try delta(kind: kind, id: id, field: row["field"], data: row["state"])
            if states.last?.id == id { states[states.count - 1].join(part) } else { states.append(part) }
        }
        return states
    }

    /// One stored row as a record state holding just that register.
    static func delta(kind: RecordKind, id: RecordID, field: String, data: Data) throws -> RecordState {
        if field == existenceField {
            return RecordState(kind: kind, id: id, fields: [:], existence: try StateEncoding.readExistence(data))
        }
        return RecordState(kind: kind, id: id, fields: [field: try StateEncoding.readField(data)])
    }

    /// Stores the registers of `state` named in `fields` (and its deletion register when `existence`).
    /// Local writes mark them pending with the counter of the write; joined remote state keeps what was pending.
    static func save(
        _ db: Database, _ state: RecordState, fields: some Sequence<String>, existence: Bool, localDot: UInt64?
    ) throws {
        var rows: [(String, Data)] = fields.map { ($0, StateEncoding.encode(state[$0])) }
        if existence { rows.append((existenceField, StateEncoding.encode(state.existence))) }
        for (field, data) in rows {
            if let localDot {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO field_states (record_id, field, kind, state, pending, own_dot, version) VALUES (?, ?, ?, ?, 1, ?, 1)
                        ON CONFLICT (record_id, field) DO UPDATE SET state = excluded.state, pending = 1,
                            own_dot = excluded.own_dot, version = field_states.version + 1
                        """
                ).execute(arguments: [state.id.rawValue, field, state.kind.rawValue, data, Int64(localDot)])
            } else {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO field_states (record_id, field, kind, state) VALUES (?, ?, ?, ?)
                        ON CONFLICT (record_id, field) DO UPDATE SET state = excluded.state
                        """
                ).execute(arguments: [state.id.rawValue, field, state.kind.rawValue, data])
            }
        }
        try materialize(db, state)
    }

    /// Refreshes the row local queries read, from the merged state.
    static func materialize(_ db: Database, _ state: RecordState) throws {
        let index = RecordIndex(state)
        try db.cachedStatement(
            sql: """
                INSERT INTO records (id, kind, account_id, visible, needs_resolution, name, industry, region, owner, tier, stage, share, notes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, visible = excluded.visible,
                    needs_resolution = excluded.needs_resolution, name = excluded.name, industry = excluded.industry,
                    region = excluded.region, owner = excluded.owner, tier = excluded.tier, stage = excluded.stage,
                    share = excluded.share, notes = excluded.notes
                """
        ).execute(arguments: [
            state.id.rawValue, state.kind.rawValue, index.account?.rawValue, index.visible, index.needsResolution,
            index.name, index.industry, index.region, index.owner, index.tier, index.stage, index.share, index.notes,
        ])
    }

    /// Recomputes an account's review flags from its state and its share records.
    /// `known` is the account's merged state when the caller holds it already.
    static func refreshFlags(_ db: Database, account: RecordID, known: RecordState? = nil) throws {
        guard let state = try known ?? loadRecord(db, account), state.kind == .account else { return }
        let hasShareRecords = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM records WHERE account_id = ? AND kind = 'share-record' LIMIT 1"),
            arguments: [account.rawValue]) != nil
        let shareRecords = hasShareRecords ? try loadRecords(
            db, ids: "SELECT id FROM records WHERE account_id = ? AND kind = 'share-record'", arguments: [account.rawValue]) : []
        let flags = ReviewFlags.evaluate(account: state, shareRecords: shareRecords).map(\.code)
        let text = flags.isEmpty ? "[]" : String(decoding: try encode(flags), as: UTF8.self)
        try db.cachedStatement(sql: "UPDATE records SET flags = ? WHERE id = ? AND flags != ?").execute(arguments: [text, account.rawValue, text])
    }
}
