import Foundation
import GRDB
import KAMProtocol

/// A record as the server holds it.
struct StoredRecord {
    var state: RecordState
    /// The user who first pushed it.
    var createdBy: String
}

extension SQLiteStore {
    /// The record `id` with all its registers, or `nil` if the server never took it.
    static func loadRecord(_ db: Database, _ id: RecordID) throws -> StoredRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT kind, created_by FROM records WHERE id = ?"), arguments: [id.rawValue]),
            let kind = RecordKind(rawValue: row["kind"])
        else { return nil }
        var fields: [String: Register<FieldValue>] = [:]
        var existence = Register<Existence>()
        for field in try Row.fetchAll(db.cachedStatement(sql: "SELECT field, state FROM field_states WHERE record_id = ?"), arguments: [id.rawValue]) {
            let name: String = field["field"]
            if name == existenceField {
                existence = try StateEncoding.readExistence(field["state"])
            } else {
                fields[name] = try StateEncoding.readField(field["state"])
            }
        }
        return StoredRecord(state: RecordState(kind: kind, id: id, fields: fields, existence: existence), createdBy: row["created_by"])
    }

    /// The records whose rows `sql` selects (it must yield `record_id`, `field`, `state`, `kind`), in order of first row.
    static func loadRecords(_ db: Database, sql: String, arguments: StatementArguments) throws -> [RecordState] {
        var order: [RecordID] = []
        var states: [RecordID: RecordState] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            guard let id = RecordID(rawValue: row["record_id"]), let kind = RecordKind(rawValue: row["kind"]) else { continue }
            if states[id] == nil {
                order.append(id)
                states[id] = RecordState(kind: kind, id: id)
            }
            let name: String = row["field"]
            let data: Data = row["state"]
            if name == existenceField {
                states[id]!.join(RecordState(kind: kind, id: id, fields: [:], existence: try StateEncoding.readExistence(data)))
            } else {
                states[id]!.join(RecordState(kind: kind, id: id, fields: [name: try StateEncoding.readField(data)]))
            }
        }
        return order.map { states[$0]! }
    }

    /// Writes one register with a new sequence number.
    static func saveRegister(_ db: Database, id: RecordID, field: String, state: Data, sequence: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO field_states (record_id, field, state, seq) VALUES (?, ?, ?, ?)
                ON CONFLICT (record_id, field) DO UPDATE SET state = excluded.state, seq = excluded.seq
                """
        ).execute(arguments: [id.rawValue, field, state, sequence])
    }

    /// Refreshes the row the office's queries and access checks read, from the merged state.
    static func materialize(_ db: Database, _ state: RecordState, createdBy: String) throws {
        let index = RecordIndex(state)
        try db.cachedStatement(
            sql: """
                INSERT INTO records (id, kind, account_id, created_by, visible, needs_resolution,
                                     name, industry, region, owner, tier, stage, share, notes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, visible = excluded.visible,
                    needs_resolution = excluded.needs_resolution, name = excluded.name, industry = excluded.industry,
                    region = excluded.region, owner = excluded.owner, tier = excluded.tier, stage = excluded.stage,
                    share = excluded.share, notes = excluded.notes
                """
        ).execute(arguments: [
            state.id.rawValue, state.kind.rawValue, index.account?.rawValue, createdBy, index.visible,
            index.needsResolution, state.kind == .account ? index.name : nil, index.industry, index.region,
            index.owner, index.tier, index.stage, index.share, index.notes,
        ])
    }

    /// Who may see and write an account: its creator and every current owner.
    /// Returns the users who gained access, whose replicas must now receive the
    /// account's whole history.
    static func updateAccess(_ db: Database, account: RecordState, createdBy: String) throws -> Set<String> {
        var users: Set<String> = [createdBy]
        for value in account["owner"].distinctValues { if let owner = value.text { users.insert(owner) } }
        let before = Set(try String.fetchAll(
            db.cachedStatement(sql: "SELECT user_name FROM account_access WHERE account_id = ?"), arguments: [account.id.rawValue]))
        let gained = users.subtracting(before)
        for user in gained {
            try db.cachedStatement(sql: "INSERT INTO account_access (account_id, user_name) VALUES (?, ?)").execute(arguments: [account.id.rawValue, user])
        }
        for user in before.subtracting(users) {
            try db.execute(sql: "DELETE FROM account_access WHERE account_id = ? AND user_name = ?", arguments: [account.id.rawValue, user])
        }
        return before.isEmpty ? [] : gained
    }

    /// Whether `user` may write (and see) the account `id`.
    static func mayAccess(_ db: Database, user: User, account id: RecordID) throws -> Bool {
        if user.role.seesAllAccounts { return true }
        return try Int.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM account_access WHERE account_id = ? AND user_name = ?"), arguments: [id.rawValue, user.name]) != nil
    }
}
