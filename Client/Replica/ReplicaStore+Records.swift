import Foundation
import GRDB
import KAMProtocol
import KAMSQLite

extension ReplicaStore {
    /// The merged state of record `id`, or `nil` if this replica has never seen it.
    public func record(_ id: RecordID) throws -> RecordState? {
        try writer.read { db in try loadRecord(db, id) }
    }

    func loadRecord(_ db: Database, _ id: RecordID) throws -> RecordState? {
        try Self.loadRecord(db, id, numbers: numbers)
    }

    /// The records `sql` selects by id (it must yield `id`), fully loaded, by id.
    func loadRecords(_ db: Database, ids sql: String, arguments: StatementArguments = [:]) throws -> [RecordState] {
        try Self.loadRecords(db, ids: sql, arguments: arguments, numbers: numbers)
    }

    /// Calls `body` with every record this replica holds, deleted ones too, in id order.
    public func forEachRecord(_ body: (RecordState) throws -> Void) throws {
        try writer.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT id, \(Self.stateColumns) FROM records ORDER BY id")
            while let row = try rows.next() {
                guard let id = RecordID(rawValue: row["id"]) else { continue }
                try body(try Self.decode(row, id: id, numbers: numbers, db))
            }
        }
    }

    /// The record `id`, for code that holds a database but not the store: replica numbers are looked up afresh.
    static func loadRecord(_ db: Database, _ id: RecordID, numbers: ReplicaNumbers = ReplicaNumbers()) throws -> RecordState? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(stateColumns) FROM records WHERE id = ?"), arguments: [id.rawValue])
        else { return nil }
        return try decode(row, id: id, numbers: numbers, db)
    }

    /// The records `sql` selects, for code that holds a database but not the store.
    static func loadRecords(
        _ db: Database, ids sql: String, arguments: StatementArguments = [:], numbers: ReplicaNumbers = ReplicaNumbers()
    ) throws -> [RecordState] {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, \(stateColumns) FROM records WHERE id IN (\(sql)) ORDER BY id", arguments: arguments)
        var states: [RecordState] = []
        while let row = try rows.next() {
            guard let id = RecordID(rawValue: row["id"]) else { continue }
            states.append(try decode(row, id: id, numbers: numbers, db))
        }
        return states
    }

    /// The columns a record is read from: its state, and the values the row keeps beside it.
    static let stateColumns = "kind, state, account_id, name, industry, region, owner, tier, stage, share, notes"

    /// A stored row's record; a row this release cannot read is damaged data.
    private static func decode(_ row: Row, id: RecordID, numbers: ReplicaNumbers, _ db: Database) throws -> RecordState {
        guard let kind = RecordKind(storedCode: row["kind"]) else { throw StateEncodingError.badRecord }
        let columns = ColumnValues(
            name: row["name"], industry: row["industry"], region: row["region"], owner: row["owner"], tier: row["tier"],
            stage: row["stage"], notes: row["notes"], share: row["share"], account: row["account_id"])
        return try numbers.decode(row["state"], kind: kind, id: id, outside: columns.byField, withFormatByte: false, db)
    }

    /// The values a record's row keeps in its columns, by the field they come
    /// from: what a record's bytes leave out when the row is written, and what
    /// reading the row gives back (``RecordEncoding``). Only values the columns
    /// hold verbatim: a column that changed a value (trimmed it, say) would
    /// change the record.
    struct ColumnValues {
        var name, industry, region, owner, tier, stage, notes: String?
        var share: Int64?
        /// The account a record other than an account belongs to.
        var account: String?

        init(name: String?, industry: String?, region: String?, owner: String?, tier: String?, stage: String?, notes: String?, share: Int64?, account: String?) {
            (self.name, self.industry, self.region, self.owner) = (name, industry, region, owner)
            (self.tier, self.stage, self.notes, self.share, self.account) = (tier, stage, notes, share, account)
        }

        /// The columns written for `index`.
        init(_ index: RecordIndex) {
            self.init(
                name: index.name, industry: index.industry, region: index.region, owner: index.owner, tier: index.tier, stage: index.stage,
                notes: index.notes, share: index.share, account: index.kind == .account ? nil : index.account?.rawValue)
        }

        var byField: [String: FieldValue] {
            var values: [String: FieldValue] = [:]
            let texts = [
                ("name", name), ("industry", industry), ("region", region), ("owner", owner), ("tier", tier), ("stage", stage),
                ("notes", notes), ("note", notes), ("account", account),
            ]
            // SQLite text columns end at a NUL: such a value stays in the record's bytes.
            for (field, text) in texts { if let text, !text.utf8.contains(0) { values[field] = .text(text) } }
            if let share { values["share"] = .integer(share) }
            return values
        }
    }

    /// A list of texts as a JSON array, for `json_each` in one statement.
    static func jsonList(_ texts: [String]) throws -> String {
        String(decoding: try encode(texts), as: UTF8.self)
    }

    /// The fields of `id` waiting to be pushed (``existenceField`` for its deletion register).
    static func pendingFields(_ db: Database, _ id: RecordID) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT field FROM pending WHERE record_id = ?"), arguments: [id.rawValue]))
    }

    /// Whether `state` holds a register that is not pending: one the server
    /// acknowledged or sent. A record with none was never on the server.
    static func hasSettled(_ state: RecordState, pending: Set<String>) -> Bool {
        state.fields.keys.contains { !pending.contains($0) } || (!state.existence.context.isEmpty && !pending.contains(existenceField))
    }

    /// Marks one register of `id` pending, written by this replica's write `dot`.
    static func markPending(_ db: Database, _ id: RecordID, _ field: String, dot: UInt64) throws {
        try db.cachedStatement(
            sql: "INSERT INTO pending (record_id, field, own_dot) VALUES (?, ?, ?) ON CONFLICT (record_id, field) DO UPDATE SET own_dot = excluded.own_dot"
        ).execute(arguments: [id.rawValue, field, Int64(clamping: dot)])
    }

    /// Writes the record's row: its state and the columns local queries read.
    /// `ownerChangesWaiting` is false when the caller knows no owner change waits for an account.
    func store(_ db: Database, _ state: RecordState, ownerChangesWaiting: Bool = true) throws {
        try Self.storeRow(db, state, numbers: numbers, ownerChangesWaiting: ownerChangesWaiting)
    }

    static func storeRow(_ db: Database, _ state: RecordState, numbers: ReplicaNumbers, ownerChangesWaiting: Bool = true) throws {
        let index = RecordIndex(state)
        let columns = ColumnValues(index)
        try db.cachedStatement(
            sql: """
                INSERT INTO records (id, kind, account_id, status, name, industry, region, owner, tier, stage, share, notes, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, status = excluded.status,
                    name = excluded.name, industry = excluded.industry,
                    region = excluded.region, owner = excluded.owner, tier = excluded.tier, stage = excluded.stage,
                    share = excluded.share, notes = excluded.notes, state = excluded.state
                """
        ).execute(arguments: [
            // An account's own id is no account it belongs to: left out, it costs no index entry.
            state.id.rawValue, state.kind.storedCode, columns.account, RowStatus(index).rawValue, columns.name,
            columns.industry, columns.region, columns.owner, columns.tier, columns.stage, columns.share, columns.notes,
            try numbers.encode(state, outside: columns.byField, withFormatByte: false, db),
        ])
        if state.kind == .account, ownerChangesWaiting { try takeWaitingOwnerChanges(of: state.id, db) }
    }

    /// Recomputes an account's review flags from its state and its share records.
    /// `known` is the account's merged state when the caller holds it already.
    /// `hasShareRecords` is whether the account has share records, when the caller knows.
    func refreshFlags(_ db: Database, account: RecordID, known: RecordState? = nil, hasShareRecords: Bool? = nil) throws {
        guard let state = try known ?? loadRecord(db, account), state.kind == .account else { return }
        let hasShareRecords = try hasShareRecords ?? (Int.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM records WHERE account_id = ? AND kind = \(RecordKind.shareRecord.storedCode) LIMIT 1"),
            arguments: [account.rawValue]) != nil)
        let shareRecords = hasShareRecords ? try loadRecords(
            db, ids: "SELECT id FROM records WHERE account_id = ? AND kind = \(RecordKind.shareRecord.storedCode)", arguments: [account.rawValue]) : []
        let flags = ReviewFlags.evaluate(account: state, shareRecords: shareRecords).map(\.code)
        // An account without flags has none (NULL): most accounts, and the flagged index holds only the others.
        let text = flags.isEmpty ? nil : String(decoding: try Self.encode(flags), as: UTF8.self)
        try db.cachedStatement(sql: "UPDATE records SET flags = ? WHERE id = ? AND flags IS NOT ?").execute(arguments: [text, account.rawValue, text])
    }
}
