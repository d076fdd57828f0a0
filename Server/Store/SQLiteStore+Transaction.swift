import Foundation
import GRDB
import KAMProtocol
import KAMSQLite

extension SQLiteStore {
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SyncTransaction) throws -> T) async throws -> T {
        try await writer.write { db in try body(SQLiteTransaction(db: db, numbers: numbers)) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SyncReads) throws -> T) async throws -> T {
        try await writer.read { db in try body(SQLiteTransaction(db: db, numbers: numbers)) }
    }
}

/// The storage primitives over one open SQLite transaction.
struct SQLiteTransaction: SyncTransaction {
    let db: Database
    /// The numbers the store gives replicas in its record rows.
    let numbers: ReplicaNumbers

    /// A whole number the database holds as a signed 64-bit integer.
    static func stored(_ value: UInt64) throws -> Int64 {
        guard let stored = Int64(exactly: value) else { throw StorageError.outOfRange(value) }
        return stored
    }

    // MARK: Replicas

    static let replicaColumns = "SELECT id, user_name, registered_at, last_seen_at, revoked_at FROM replicas"

    static func replicaInfo(_ row: Row) -> ReplicaInfo? {
        guard let id = ReplicaID(rawValue: row["id"]) else { return nil }
        return ReplicaInfo(
            id: id, user: row["user_name"], registeredAt: row["registered_at"], lastSeenAt: row["last_seen_at"], revokedAt: row["revoked_at"])
    }

    func replica(_ id: ReplicaID) throws -> ReplicaInfo? {
        try Row.fetchOne(db.cachedStatement(sql: "\(Self.replicaColumns) WHERE id = ?"), arguments: [id.rawValue]).flatMap(Self.replicaInfo)
    }

    func replicas(user: String?) throws -> [ReplicaInfo] {
        let rows = if let user {
            try Row.fetchAll(db, sql: "\(Self.replicaColumns) WHERE user_name = ? ORDER BY registered_at, id", arguments: [user])
        } else {
            try Row.fetchAll(db, sql: "\(Self.replicaColumns) ORDER BY user_name, registered_at, id")
        }
        return rows.compactMap(Self.replicaInfo)
    }

    func activeReplicaCount(of user: String) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM replicas WHERE user_name = ? AND revoked_at IS NULL"), arguments: [user]) ?? 0
    }

    func revokeReplica(_ replica: ReplicaID, at: Int64) throws {
        try db.execute(sql: "UPDATE replicas SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [at, replica.rawValue])
    }

    func markSeen(_ replica: ReplicaID, at: Int64) throws {
        try db.cachedStatement(sql: "UPDATE replicas SET last_seen_at = ? WHERE id = ?").execute(arguments: [at, replica.rawValue])
    }

    func replicaCounters(of user: String) throws -> [ReplicaID: UInt64] {
        var result: [ReplicaID: UInt64] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, highest_counter FROM replicas WHERE user_name = ? AND revoked_at IS NULL"), arguments: [user]) {
            if let id = ReplicaID(rawValue: row["id"]) { result[id] = UInt64(max(0, row["highest_counter"] as Int64)) }
        }
        return result
    }

    func replicaUsers(_ replicas: Set<ReplicaID>?) throws -> [ReplicaID: String] {
        let rows: [Row]
        if let replicas {
            guard !replicas.isEmpty else { return [:] }
            let list = String(decoding: try SQLiteStore.encode(replicas.map(\.rawValue)), as: UTF8.self)
            rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT id, user_name FROM replicas WHERE id IN (SELECT value FROM json_each(?))"),
                arguments: [list])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT id, user_name FROM replicas")
        }
        var result: [ReplicaID: String] = [:]
        for row in rows {
            if let id = ReplicaID(rawValue: row["id"]) { result[id] = row["user_name"] }
        }
        return result
    }

    func insertReplica(_ replica: ReplicaID, user: String, at: Int64) throws {
        try db.execute(
            sql: "INSERT INTO replicas (id, user_name, registered_at) VALUES (?, ?, ?)", arguments: [replica.rawValue, user, at])
    }

    func setHighestCounter(_ counter: UInt64, of replica: ReplicaID) throws {
        try db.cachedStatement(sql: "UPDATE replicas SET highest_counter = ? WHERE id = ?")
            .execute(arguments: [try Self.stored(counter), replica.rawValue])
    }

    // MARK: Records

    func record(_ id: RecordID) throws -> StoredRecord? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT kind, state, created_by FROM records WHERE id = ?"), arguments: [id.rawValue])
        else { return nil }
        return StoredRecord(state: try decode(row, id: id), createdBy: row["created_by"])
    }

    /// A record row's state; a row this release cannot read is damaged data.
    func decode(_ row: Row, id: RecordID) throws -> RecordState {
        guard let kind = RecordKind(rawValue: row["kind"]) else { throw StateEncodingError.badRecord }
        return try numbers.decode(row["state"], kind: kind, id: id, db)
    }

    func replicas(numbered wanted: Set<UInt64>) throws -> [UInt64: ReplicaID] {
        var result: [UInt64: ReplicaID] = [:]
        for number in wanted { result[number] = try numbers.replica(numbered: number, db) }
        return result
    }

    func kind(of id: RecordID) throws -> RecordKind? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT kind FROM records WHERE id = ?"), arguments: [id.rawValue])
            .flatMap(RecordKind.init(rawValue:))
    }

    func records(of account: RecordID) throws -> [RecordState] {
        try loadRecords(
            sql: """
                SELECT r.id, r.kind, r.state FROM record_accounts ra JOIN records r ON r.id = ra.record_id
                WHERE ra.account_id = :account AND ra.record_id != :account ORDER BY ra.record_id
                """,
            arguments: ["account": account.rawValue])
    }

    func roles(of users: Set<String>) throws -> [String: Role] {
        var result: [String: Role] = [:]
        let statement = try db.cachedStatement(sql: "SELECT role FROM users WHERE name = ?")
        for user in users {
            if let role = try String.fetchOne(statement, arguments: [user]).flatMap(Role.init(rawValue:)) { result[user] = role }
        }
        return result
    }

    func recordsNaming(_ account: RecordID) throws -> [NamedRecord] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT r.id, r.kind, group_concat(other.account_id, char(10)) AS accounts FROM record_accounts ra
                    JOIN records r ON r.id = ra.record_id JOIN record_accounts other ON other.record_id = ra.record_id
                    WHERE ra.account_id = ? GROUP BY r.id ORDER BY r.id
                    """),
            arguments: [account.rawValue])
        return rows.compactMap { row in
            guard let id = RecordID(rawValue: row["id"]), let kind = RecordKind(rawValue: row["kind"]) else { return nil }
            let accounts = (row["accounts"] as String? ?? "").split(separator: "\n").compactMap { RecordID(rawValue: String($0)) }
            return NamedRecord(id: id, kind: kind, accounts: accounts.sorted())
        }
    }

    func accountsNamed(by record: RecordID) throws -> [RecordID] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT account_id FROM record_accounts WHERE record_id = ?"), arguments: [record.rawValue]
        ).compactMap(RecordID.init(rawValue:))
    }

    func recordsNamingSeveralAccounts() throws -> [RecordID] {
        try String.fetchAll(db, sql: "SELECT record_id FROM record_accounts GROUP BY record_id HAVING COUNT(*) > 1 ORDER BY record_id")
            .compactMap(RecordID.init(rawValue:))
    }

    func accountIDs() throws -> [RecordID] {
        try String.fetchAll(db, sql: "SELECT id FROM records WHERE kind = 'account' ORDER BY id").compactMap(RecordID.init(rawValue:))
    }

    func shareRecords(of account: RecordID) throws -> [RecordState] {
        let any = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM records WHERE account_id = ? AND kind = 'share-record' LIMIT 1"),
            arguments: [account.rawValue]) != nil
        guard any else { return [] }
        return try loadRecords(
            sql: """
                SELECT r.id, r.kind, r.state FROM records r WHERE r.account_id = ? AND r.kind = 'share-record' ORDER BY r.id
                """,
            arguments: [account.rawValue])
    }

    func visibleRecords(of kinds: [RecordKind], in scope: AccessScope) throws -> [RecordState] {
        var arguments: StatementArguments = [:]
        var filter = "r.visible = 1 AND r.kind IN (\(kinds.indices.map { ":k\($0)" }.joined(separator: ", ")))"
        for (index, kind) in kinds.enumerated() { arguments += ["k\(index)": kind.rawValue] }
        if case .accessRows(let user) = scope {
            filter += """
                 AND EXISTS (SELECT 1 FROM record_accounts ra JOIN account_access aa ON aa.account_id = ra.account_id
                    AND aa.user_name = :user WHERE ra.record_id = r.id)
                """
            arguments += ["user": user]
        }
        return try loadRecords(
            sql: "SELECT r.id, r.kind, r.state FROM records r WHERE \(filter) ORDER BY r.id",
            arguments: arguments)
    }

    /// The records whose rows `sql` selects (it must yield `id`, `kind`, `state`), in its order.
    func loadRecords(sql: String, arguments: StatementArguments) throws -> [RecordState] {
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        var states: [RecordState] = []
        while let row = try rows.next() {
            guard let id = RecordID(rawValue: row["id"]) else { continue }
            states.append(try decode(row, id: id))
        }
        return states
    }

    func saveRecord(_ state: RecordState, createdBy: String, sequence: UInt64) throws {
        let index = RecordIndex(state)
        let named = Set(RecordIndex.accounts(of: state))
        let held = Set(try String.fetchAll(
            db.cachedStatement(sql: "SELECT account_id FROM record_accounts WHERE record_id = ?"), arguments: [state.id.rawValue]
        ).compactMap(RecordID.init(rawValue:)))
        for account in held.subtracting(named) {
            try db.cachedStatement(sql: "DELETE FROM record_accounts WHERE record_id = ? AND account_id = ?")
                .execute(arguments: [state.id.rawValue, account.rawValue])
        }
        for account in named.subtracting(held) {
            try db.cachedStatement(sql: "INSERT INTO record_accounts (record_id, account_id) VALUES (?, ?)")
                .execute(arguments: [state.id.rawValue, account.rawValue])
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO records (id, kind, account_id, created_by, visible, needs_resolution,
                                     name, industry, region, owner, tier, stage, share, notes, state, seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, visible = excluded.visible,
                    needs_resolution = excluded.needs_resolution, name = excluded.name, industry = excluded.industry,
                    region = excluded.region, owner = excluded.owner, tier = excluded.tier, stage = excluded.stage,
                    share = excluded.share, notes = excluded.notes, state = excluded.state, seq = excluded.seq
                """
        ).execute(arguments: [
            state.id.rawValue, state.kind.rawValue, index.account?.rawValue, createdBy, index.visible,
            index.needsResolution, state.kind == .account ? index.name : nil, index.industry, index.region,
            index.owner, index.tier, index.stage, index.share, index.notes, try numbers.encode(state, db), try Self.stored(sequence),
        ])
    }

    // MARK: Access

    func accessUsers(of account: RecordID) throws -> Set<String> {
        Set(try String.fetchAll(
            db.cachedStatement(sql: "SELECT user_name FROM account_access WHERE account_id = ?"), arguments: [account.rawValue]))
    }

    func hasAccess(_ user: String, to account: RecordID) throws -> Bool {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM account_access WHERE account_id = ? AND user_name = ?"),
            arguments: [account.rawValue, user]) != nil
    }

    func grantAccess(_ user: String, to account: RecordID) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO account_access (account_id, user_name) VALUES (?, ?)")
            .execute(arguments: [account.rawValue, user])
    }

    func revokeAccess(_ user: String, to account: RecordID) throws {
        try db.execute(sql: "DELETE FROM account_access WHERE account_id = ? AND user_name = ?", arguments: [account.rawValue, user])
    }

    func resequence(account: RecordID, after sequence: UInt64) throws -> UInt64 {
        // Records and owner changes keep their order among each other.
        let keys = try Row.fetchAll(
            db,
            sql: """
                SELECT r.seq, r.id AS record_id, NULL AS id FROM record_accounts ra JOIN records r ON r.id = ra.record_id
                WHERE ra.account_id = :account
                UNION ALL SELECT seq, NULL, id FROM owner_changes WHERE account_id = :account
                ORDER BY 1
                """,
            arguments: ["account": account.rawValue])
        var next = sequence
        for key in keys {
            next += 1
            if let id = key["id"] as Int64? {
                try db.execute(sql: "UPDATE owner_changes SET seq = ? WHERE id = ?", arguments: [try Self.stored(next), id])
            } else {
                try db.execute(sql: "UPDATE records SET seq = ? WHERE id = ?", arguments: [try Self.stored(next), key["record_id"] as String])
            }
        }
        return next
    }

    func resequence(record: RecordID, after sequence: UInt64) throws -> UInt64 {
        guard try kind(of: record) != nil else { return sequence }
        try db.execute(sql: "UPDATE records SET seq = ? WHERE id = ?", arguments: [try Self.stored(sequence + 1), record.rawValue])
        return sequence + 1
    }

    func addRemoval(_ removal: Removal, for user: String, sequence: UInt64) throws {
        try db.cachedStatement(
            sql: "INSERT INTO removals (seq, user_name, record_id, kind, account_id, reason, owners) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            try Self.stored(sequence), user, removal.id.rawValue, removal.kind.rawValue, removal.account.rawValue,
            removal.reason.rawValue, try Self.list(removal.owners),
        ])
    }

    func addOwnerChange(_ change: OwnerChange, sequence: UInt64) throws {
        try db.cachedStatement(
            sql: "INSERT INTO owner_changes (seq, account_id, at, by_user, from_owners, to_owners) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            try Self.stored(sequence), change.account.rawValue, change.at.rawValue, change.by, try Self.list(change.from),
            try Self.list(change.to),
        ])
    }

    func setSetting(_ key: String, _ value: String) throws {
        try db.execute(
            sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            arguments: [key, value])
    }

    func setting(_ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
    }

    func removals(since: UInt64, limit: Int, user: String) throws -> [Sequenced<Removal>] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT seq, record_id, kind, account_id, reason, owners FROM removals WHERE user_name = ? AND seq > ? ORDER BY seq LIMIT ?"),
            arguments: [user, try Self.stored(since), limit])
        return try rows.compactMap { row in
            guard let id = RecordID(rawValue: row["record_id"]), let kind = RecordKind(rawValue: row["kind"]),
                let account = RecordID(rawValue: row["account_id"]), let reason = Removal.Reason(rawValue: row["reason"])
            else { return nil }
            return Sequenced(
                sequence: UInt64(row["seq"] as Int64),
                change: Removal(kind: kind, id: id, account: account, reason: reason, owners: try Self.list(row["owners"])))
        }
    }

    func ownerChanges(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [Sequenced<OwnerChange>] {
        let columns = "SELECT oc.seq, oc.account_id, oc.at, oc.by_user, oc.from_owners, oc.to_owners FROM owner_changes oc"
        let rows: [Row]
        switch scope {
        case .everything:
            rows = try Row.fetchAll(
                db.cachedStatement(sql: "\(columns) WHERE oc.seq > ? ORDER BY oc.seq LIMIT ?"), arguments: [try Self.stored(since), limit])
        case .accessRows(let user):
            // The feed's two plans (SQLiteStore.feedQuery): walk the changes from the cursor, or start from the user's
            // accounts and sort. Left to itself SQLite always starts from the accounts, so an incremental pull of a
            // large territory read and sorted every owner change of it.
            let bound = gap / 32
            let accounts = bound == 0 ? 0 : try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM (SELECT 1 FROM account_access WHERE user_name = ? LIMIT ?)"),
                arguments: [user, Int64(min(bound, UInt64(Int64.max)))]) ?? 0
            let sql = UInt64(accounts) < bound
                ? """
                    \(columns) JOIN account_access aa ON aa.account_id = oc.account_id AND aa.user_name = :user
                    WHERE oc.seq > :since ORDER BY oc.seq LIMIT :limit
                    """
                : """
                    \(columns) WHERE oc.seq > :since
                    AND EXISTS (SELECT 1 FROM account_access aa WHERE aa.account_id = oc.account_id AND aa.user_name = :user)
                    ORDER BY oc.seq LIMIT :limit
                    """
            rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: ["user": user, "since": try Self.stored(since), "limit": limit])
        }
        return try rows.map { Sequenced(sequence: UInt64($0["seq"] as Int64), change: try Self.ownerChange($0)) }
    }

    func ownerChanges(of account: RecordID) throws -> [OwnerChange] {
        try Row.fetchAll(
            db, sql: "SELECT account_id, at, by_user, from_owners, to_owners FROM owner_changes WHERE account_id = ? ORDER BY id",
            arguments: [account.rawValue]
        ).map(Self.ownerChange)
    }

    static func ownerChange(_ row: Row) throws -> OwnerChange {
        OwnerChange(
            account: RecordID(rawValue: row["account_id"]) ?? RecordID(rawValue: "unknown")!, at: Timestamp(rawValue: row["at"]),
            by: row["by_user"], from: try list(row["from_owners"]), to: try list(row["to_owners"]))
    }

    /// A list of names as stored: JSON text.
    static func list(_ names: [String]) throws -> String { String(decoding: try SQLiteStore.encode(names), as: UTF8.self) }
    static func list(_ text: String) throws -> [String] { try SQLiteStore.decode([String].self, Data(text.utf8)) }

    func setFlags(_ flags: [String], of account: RecordID) throws {
        let text = flags.isEmpty ? "[]" : String(decoding: try SQLiteStore.encode(flags), as: UTF8.self)
        try db.cachedStatement(sql: "UPDATE records SET flags = ? WHERE id = ? AND flags != ?").execute(arguments: [text, account.rawValue, text])
    }

    // MARK: The feed

    func sequence() throws -> UInt64 {
        UInt64(max(0, try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM sequence WHERE id = 1")) ?? 0))
    }

    func setSequence(_ sequence: UInt64) throws {
        try db.cachedStatement(sql: "UPDATE sequence SET value = ? WHERE id = 1").execute(arguments: [try Self.stored(sequence)])
    }

    func feed(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [FeedRow] {
        var arguments: StatementArguments = ["since": try Self.stored(since), "limit": limit]
        if case .accessRows(let user) = scope { arguments += ["user": user] }
        let rows = try Row.fetchAll(db.cachedStatement(sql: try SQLiteStore.feedQuery(db, scope: scope, gap: gap)), arguments: arguments)
        return rows.compactMap { row in
            guard let id = RecordID(rawValue: row["id"]), let kind = RecordKind(rawValue: row["kind"]) else { return nil }
            return FeedRow(record: EncodedRecord(kind: kind, id: id, bytes: row["state"]), sequence: UInt64(row["seq"] as Int64))
        }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        return result!
    }

    // MARK: Refusals

    func refusals(replica: ReplicaID, counters: [UInt64]) throws -> [RememberedRefusal] {
        guard !counters.isEmpty else { return [] }
        var result: [RememberedRefusal] = []
        let statement = try db.cachedStatement(
            sql: "SELECT record_id, kind, field, code, message FROM refusals WHERE replica = ? AND counter = ?")
        for counter in counters {
            guard let stored = Int64(exactly: counter),
                let row = try Row.fetchOne(statement, arguments: [replica.rawValue, stored]),
                let id = RecordID(rawValue: row["record_id"]), let kind = RecordKind(rawValue: row["kind"])
            else { continue }
            result.append(RememberedRefusal(
                dot: Dot(replica: replica, counter: counter), record: id,
                refusal: PushRefusal(kind: kind, id: id, field: row["field"], code: row["code"], message: row["message"])))
        }
        return result
    }

    func remember(_ refusals: [RememberedRefusal]) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO refusals (replica, counter, record_id, kind, field, code, message)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        for remembered in refusals {
            try statement.execute(arguments: [
                remembered.dot.replica.rawValue, try Self.stored(remembered.dot.counter), remembered.record.rawValue,
                remembered.refusal.kind.rawValue, remembered.refusal.field, remembered.refusal.code, remembered.refusal.message,
            ])
        }
    }
}

/// A value the storage cannot hold.
public enum StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    case outOfRange(UInt64)

    public var description: String {
        switch self {
        case .outOfRange(let value): "\(value) is larger than the store holds"
        }
    }
}
