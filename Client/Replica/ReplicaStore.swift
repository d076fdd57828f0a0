import Foundation
import GRDB
import KAMProtocol
import KAMSQLite
import Logging

/// The local replica: one SQLite file (WAL) holding every record's merged
/// state, what still has to be pushed, and the sync cursor.
///
/// A record is one row of `records`: its whole state in ``RecordEncoding``'s
/// form beside the columns local queries read. Which registers still have to
/// be pushed is kept apart, in `pending`. Every local edit is one transaction
/// that writes the new states, marks them pending, and saves the replica's
/// dot counter, so an edit is either wholly there or not at all, and a dot is
/// never handed out twice.
public struct ReplicaStore: Sendable {
    let writer: any DatabaseWriter
    /// The numbers this file gives replicas in its record rows.
    let numbers = ReplicaNumbers()

    init(writer: any DatabaseWriter) throws {
        self.writer = writer
        // A commit is on disk when it returns: the WAL is not copied back when
        // a command exits (see `keepWALFiles`), so with SQLite's NORMAL, which
        // GRDB sets as it opens a pool, an edit kam reported as saved could
        // be lost with the power. The WAL is cut back to 4 MiB whenever it
        // starts over, never to nothing (which would make the next open write).
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA journal_size_limit = 4194304")
        }
        // Most commands only read; a scheduled sync may open the same file at once.
        if try Self.migrator.migrateSharingFile(writer) { compactWAL() }
    }

    /// Creates a new replica in `home`; refuses if one is already there.
    ///
    /// A file that holds no replica (an init cut short between making the
    /// file and writing its settings: killed, a full disk) is made again, so
    /// `kam init` is the way out that every other command's error names.
    public static func create(home: ReplicaHome, settings: ReplicaSettings) throws -> ReplicaStore {
        let path = home.databaseURL.path
        if FileManager.default.fileExists(atPath: path) {
            guard holdsNoReplica(home) else { throw ClientError.alreadyInitialised(home.url.path) }
            try remove(home: home)
        }
        try home.createPrivately()
        let store = try ReplicaStore(writer: DatabasePool(path: path, configuration: configuration))
        try store.initialise(settings)
        return store
    }

    /// Whether the file in `home` is readable and holds no replica's
    /// settings. A file that cannot be read is not known to be empty.
    static func holdsNoReplica(_ home: ReplicaHome) -> Bool {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: home.databaseURL.path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                try !db.tableExists("replica") || Int.fetchOne(db, sql: "SELECT COUNT(*) FROM replica") == 0
            }
        } catch {
            return false
        }
    }

    /// Opens the replica in `home`.
    public static func open(home: ReplicaHome) throws -> ReplicaStore {
        guard FileManager.default.fileExists(atPath: home.databaseURL.path) else { throw ClientError.notInitialised(home.url.path) }
        home.restrictDatabaseFiles()  // a replica made before files were kept private
        return try ReplicaStore(writer: DatabasePool(path: home.databaseURL.path, configuration: configuration))
    }

    /// Removes the replica in `home`: one the server refused right after `create`, or a file an init cut short left.
    public static func remove(home: ReplicaHome) throws {
        for suffix in ["", "-wal", "-shm"] {
            let path = home.databaseURL.path + suffix
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        }
    }

    /// A replica in memory, for tests.
    public static func inMemory(settings: ReplicaSettings) throws -> ReplicaStore {
        let store = try ReplicaStore(writer: DatabaseQueue())
        try store.initialise(settings)
        return store
    }

    static var configuration: Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // The writer gets 32 MiB of page cache (SQLite's default is 2 MiB):
            // a territory's indexes stay in memory while a bootstrap writes
            // them. Readers keep the default: a command that lists a territory
            // reads each page once, and filling a large cache costs a command
            // more time than it saves. The writer keeps the WAL files, so
            // opening the file writes nothing (see `keepWALFiles`).
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = -32768")
                try db.keepWALFiles()
            }
        }
        return configuration
    }

    private func initialise(_ settings: ReplicaSettings) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO replica (id, replica_id, server, token, ca_cert, created_at) VALUES (1, ?, ?, ?, ?, ?)",
                arguments: [settings.replica.rawValue, settings.server.absoluteString, settings.token, settings.caCertificate, Timestamp.now().rawValue])
        }
    }

    /// The name of the row that holds a record's deletion register.
    static let existenceField = "@existence"

    // One encoder and one decoder for every stored value: making them costs more than a small value's coding.
    private static let encoder = WireFormat.encoder()
    private static let decoder = WireFormat.decoder()

    static func encode<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }
    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T { try decoder.decode(type, from: data) }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE replica (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    replica_id TEXT NOT NULL,
                    server TEXT NOT NULL,
                    token TEXT NOT NULL,
                    ca_cert TEXT,
                    user_name TEXT,
                    registered INTEGER NOT NULL DEFAULT 0,
                    counter INTEGER NOT NULL DEFAULT 0,
                    cursor INTEGER NOT NULL DEFAULT 0,
                    last_sync INTEGER,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE field_states (
                    record_id TEXT NOT NULL,
                    field TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    state BLOB NOT NULL,
                    pending INTEGER NOT NULL DEFAULT 0,
                    own_dot INTEGER NOT NULL DEFAULT 0,
                    version INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (record_id, field)
                ) WITHOUT ROWID;
                CREATE INDEX field_states_pending ON field_states(own_dot) WHERE pending = 1;
                CREATE TABLE records (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    account_id TEXT,
                    visible INTEGER NOT NULL,
                    needs_resolution INTEGER NOT NULL,
                    name TEXT, industry TEXT, region TEXT, owner TEXT, tier TEXT, stage TEXT, share INTEGER, notes TEXT,
                    flags TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX records_account ON records(account_id);
                CREATE INDEX records_kind_stage ON records(kind, stage);
                CREATE TABLE authors (
                    replica TEXT PRIMARY KEY,
                    user_name TEXT NOT NULL
                );
                CREATE TABLE refusals (
                    record_id TEXT NOT NULL,
                    field TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    code TEXT NOT NULL,
                    message TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (record_id, field)
                );
                """)
        }
        // `kam status` and every sync count conflicts and flags: partial
        // indexes keep that proportional to the conflicts, not the territory.
        migrator.registerMigration("v2-partial-indexes") { db in
            try db.execute(sql: """
                CREATE INDEX records_needing_resolution ON records(id) WHERE needs_resolution = 1 AND visible = 1;
                CREATE INDEX records_flagged ON records(id) WHERE kind = 'account' AND visible = 1 AND flags != '[]';
                """)
        }
        // Territories: refused edits keep their values and their account's
        // name (also once the account has left this laptop), dropped ones wait
        // for the server's value, and accounts keep their owner history.
        migrator.registerMigration("v3-territories") { db in
            try db.execute(sql: """
                ALTER TABLE refusals ADD COLUMN edits TEXT NOT NULL DEFAULT '{}';
                ALTER TABLE refusals ADD COLUMN account_id TEXT;
                ALTER TABLE refusals ADD COLUMN account_name TEXT;
                ALTER TABLE refusals ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE refusals ADD COLUMN new_record INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE refetch (
                    record_id TEXT PRIMARY KEY
                ) WITHOUT ROWID;
                CREATE TABLE owner_changes (
                    account_id TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    by_user TEXT NOT NULL,
                    from_owners TEXT NOT NULL,
                    to_owners TEXT NOT NULL,
                    PRIMARY KEY (account_id, at, by_user, from_owners, to_owners)
                );
                """)
        }
        // The protocol the server last said it speaks: from 2 on, pushes go in binary form.
        migrator.registerMigration("v4-server-protocol") { db in
            try db.execute(sql: "ALTER TABLE replica ADD COLUMN server_protocol INTEGER NOT NULL DEFAULT 1")
        }
        // One record, one row: the field states move into their record's row
        // in the compact form, with replicas numbered once per file, and what
        // is pending moves to a table of its own. An account's owner history
        // moves into its row too (changes that come before their account wait
        // in `owner_changes_waiting`), an account names no account of its own
        // in `account_id`, and only accounts are indexed by stage.
        migrator.registerMigration("v5-record-rows") { db in
            try db.execute(sql: ReplicaNumbers.createTable + """
                ALTER TABLE records ADD COLUMN state BLOB NOT NULL DEFAULT x'';
                ALTER TABLE records ADD COLUMN owners BLOB;
                CREATE TABLE owner_changes_waiting (
                    account_id TEXT PRIMARY KEY,
                    changes BLOB NOT NULL
                ) WITHOUT ROWID;
                DROP INDEX records_kind_stage;
                CREATE INDEX records_stage ON records(stage) WHERE kind = 'account';
                CREATE TABLE pending (
                    record_id TEXT NOT NULL,
                    field TEXT NOT NULL,
                    own_dot INTEGER NOT NULL,
                    PRIMARY KEY (record_id, field)
                ) WITHOUT ROWID;
                CREATE INDEX pending_order ON pending(own_dot);
                INSERT INTO pending (record_id, field, own_dot) SELECT record_id, field, own_dot FROM field_states WHERE pending = 1;
                """)
            let numbers = ReplicaNumbers()
            let rows = try Row.fetchCursor(db, sql: "SELECT record_id, field, kind, state FROM field_states ORDER BY record_id")
            var current: RecordState?
            while let row = try rows.next() {
                guard let id = RecordID(rawValue: row["record_id"]), let kind = RecordKind(rawValue: row["kind"]) else { continue }
                if let state = current, state.id != id {
                    try RecordRowsMigration.storeRow(db, state, numbers: numbers)
                    current = nil
                }
                let part = try LegacyFieldState.part(kind: kind, id: id, field: row["field"], data: row["state"])
                current = current.map { $0.joined(with: part) } ?? part
            }
            if let state = current { try RecordRowsMigration.storeRow(db, state, numbers: numbers) }
            try db.execute(sql: """
                DELETE FROM records WHERE state = x'';
                DELETE FROM pending WHERE record_id NOT IN (SELECT id FROM records);
                DROP TABLE field_states;
                """)
            let owners = try Row.fetchCursor(db, sql: "SELECT account_id, at, by_user, from_owners, to_owners FROM owner_changes ORDER BY rowid")
            var changes: [OwnerChange] = []
            while let row = try owners.next() {
                guard let account = RecordID(rawValue: row["account_id"]) else { continue }
                changes.append(OwnerChange(
                    account: account, at: Timestamp(rawValue: row["at"]), by: row["by_user"],
                    from: (try? decode([String].self, Data((row["from_owners"] as String).utf8))) ?? [],
                    to: (try? decode([String].self, Data((row["to_owners"] as String).utf8))) ?? []))
            }
            try RecordRowsMigration.storeOwnerChanges(changes, db)
            try db.execute(sql: "DROP TABLE owner_changes")
        }
        // Smaller rows: a record's kind is a number (`RecordKind.storedCode`),
        // whether it is shown and in conflict one more (`RowStatus`), its
        // bytes leave out the format byte the layout implies, an account
        // without review flags has none (NULL, not an empty list), and only
        // records that belong to an account are indexed by account.
        // SQLite cannot change a column's type in place, so the table is copied.
        migrator.registerMigration("v6-compact-rows") { db in
            try db.execute(sql: """
                CREATE TABLE records_compact (
                    id TEXT PRIMARY KEY,
                    kind INTEGER NOT NULL,
                    account_id TEXT,
                    status INTEGER NOT NULL,
                    name TEXT, industry TEXT, region TEXT, owner TEXT, tier TEXT, stage TEXT, share INTEGER, notes TEXT,
                    flags TEXT,
                    state BLOB NOT NULL,
                    owners BLOB
                );
                INSERT INTO records_compact
                    SELECT id, CASE kind \(RecordKind.storedCodeCases) END, account_id,
                        CASE WHEN visible = 0 THEN 2 WHEN needs_resolution = 1 THEN 1 ELSE 0 END, name, industry, region, owner, tier, stage, share, notes, NULLIF(flags, '[]'), substr(state, 2), owners
                    FROM records;
                DROP TABLE records;
                ALTER TABLE records_compact RENAME TO records;
                CREATE INDEX records_account ON records(account_id) WHERE account_id IS NOT NULL;
                CREATE INDEX records_stage ON records(stage) WHERE kind = \(RecordKind.account.storedCode);
                CREATE INDEX records_needing_resolution ON records(account_id) WHERE status = 1;
                CREATE INDEX records_flagged ON records(id) WHERE kind = \(RecordKind.account.storedCode) AND status <= 1 AND flags IS NOT NULL;
                """)
        }
        return migrator
    }
}

extension ReplicaStore {
    /// The replica's settings and sync position.
    public func settings() throws -> ReplicaSettings {
        try writer.read { db in try Self.settings(db) }
    }

    static func settings(_ db: Database) throws -> ReplicaSettings {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM replica WHERE id = 1"),
            let replica = ReplicaID(rawValue: row["replica_id"]), let server = URL(string: row["server"])
        else { throw ClientError.notInitialised("this replica file") }
        return ReplicaSettings(
            replica: replica, server: server, token: row["token"], user: row["user_name"], registered: row["registered"],
            caCertificate: row["ca_cert"], cursor: UInt64(row["cursor"] as Int64),
            lastSync: (row["last_sync"] as Int64?).map(Timestamp.init(rawValue:)), serverProtocol: row["server_protocol"])
    }

    /// Notes the user the server bound this replica to.
    public func markRegistered(user: String) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE replica SET registered = 1, user_name = ? WHERE id = 1", arguments: [user])
        }
    }

    /// Notes the protocol the server says it speaks (an answer's
    /// `protocolVersion`); a new address forgets it.
    public func noteServerProtocol(_ version: Int) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE replica SET server_protocol = ? WHERE id = 1 AND server_protocol != ?", arguments: [version, version])
        }
    }

    /// Notes that a sync finished now, leaving the WAL small (see ``compactWAL()``).
    public func markSynced(at time: Timestamp = .now()) throws {
        try writer.writeWithoutTransaction { db in
            _ = try? db.checkpoint(.truncate)
            try db.execute(sql: "UPDATE replica SET last_sync = ? WHERE id = 1", arguments: [time.rawValue])
        }
    }

    /// Copies the WAL into the database, empties it, and leaves one small
    /// transaction in it. The WAL files are kept between commands (see
    /// `keepWALFiles`), so after a large write (a migration, a bootstrap) the
    /// WAL would keep that size for good; an empty one would make the next
    /// command write as it opens. Best effort: a reader holding the WAL leaves it as it is.
    func compactWAL() {
        try? writer.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
            try db.execute(sql: "UPDATE replica SET id = id WHERE id = 1")
        }
    }
}
