import Foundation
import GRDB
import KAMProtocol
import KAMSQLite
import Logging

/// The embedded storage: one SQLite file (WAL) through GRDB.
///
/// A record is one row of `records`: its whole state in ``RecordEncoding``'s
/// form (replicas numbered once per database, in `replica_numbers`), the
/// sequence number of its last change, and the columns the office's queries
/// read. `account_access` holds who may see and write what.
/// It persists what ``SyncService`` decides.
public struct SQLiteStore: SyncStorage {
    let writer: any DatabaseWriter
    let logger: Logger
    /// The numbers this database gives replicas in its record rows.
    let numbers = ReplicaNumbers()

    /// A store over an open database; migrates it to the current schema.
    public init(writer: any DatabaseWriter, logger: Logger) throws {
        self.writer = writer
        self.logger = logger
        // A second kam-server command on the same folder (user add while serving) may migrate it at once.
        try Self.migrator.migrateSharingFile(writer)
    }

    /// The store in `directory` (created if missing), as `kam-server.sqlite`.
    public static func open(directory: URL, logger: Logger) throws -> SQLiteStore {
        // The data folder and the database are readable by the server's user only.
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory.appendingPathComponent(fileName).path
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 32 MiB of page cache per connection (SQLite's default is 2 MiB).
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        return try SQLiteStore(writer: pool, logger: logger)
    }

    /// A store in memory, for tests; it logs only warnings unless given a logger.
    public static func inMemory(logger: Logger? = nil) throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue(), logger: logger ?? quietLogger)
    }

    /// A logger that passes on warnings and errors only: tests make thousands of stores.
    public static var quietLogger: Logger {
        var quiet = Logger(label: "kam.store")
        quiet.logLevel = .warning
        return quiet
    }

    /// The database file's name in the data folder.
    public static let fileName = "kam-server.sqlite"

    // One encoder and one decoder for every stored value: making them costs more than a small value's coding.
    private static let encoder = WireFormat.encoder()
    private static let decoder = WireFormat.decoder()

    static func encode<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }
    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T { try decoder.decode(type, from: data) }

    static func now() -> Int64 { Timestamp.now().rawValue }
}

extension SQLiteStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    name TEXT PRIMARY KEY,
                    role TEXT NOT NULL,
                    token_hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE TABLE replicas (
                    id TEXT PRIMARY KEY,
                    user_name TEXT NOT NULL REFERENCES users(name),
                    registered_at INTEGER NOT NULL,
                    highest_counter INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX replicas_user ON replicas(user_name);
                CREATE TABLE field_states (
                    record_id TEXT NOT NULL,
                    field TEXT NOT NULL,
                    state BLOB NOT NULL,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (record_id, field)
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX field_states_seq ON field_states(seq);
                CREATE TABLE records (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    account_id TEXT,
                    created_by TEXT NOT NULL,
                    visible INTEGER NOT NULL,
                    needs_resolution INTEGER NOT NULL,
                    name TEXT, industry TEXT, region TEXT, owner TEXT, tier TEXT, stage TEXT, share INTEGER, notes TEXT,
                    flags TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX records_account ON records(account_id);
                CREATE INDEX records_kind_stage ON records(kind, stage);
                CREATE TABLE account_access (
                    account_id TEXT NOT NULL,
                    user_name TEXT NOT NULL,
                    PRIMARY KEY (account_id, user_name)
                ) WITHOUT ROWID;
                CREATE INDEX account_access_user ON account_access(user_name);
                CREATE TABLE sequence (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    value INTEGER NOT NULL
                );
                INSERT INTO sequence (id, value) VALUES (1, 0);
                """)
        }
        // Refused writes, by dot, so a re-sent batch gets the same refusals back.
        migrator.registerMigration("v2-refusals") { db in
            try db.execute(sql: """
                CREATE TABLE refusals (
                    replica TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    record_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    field TEXT,
                    code TEXT NOT NULL,
                    message TEXT NOT NULL,
                    PRIMARY KEY (replica, counter)
                ) WITHOUT ROWID;
                """)
        }
        // Which laptops still sync, and which an administrator shut out.
        migrator.registerMigration("v3-replica-revocation") { db in
            try db.execute(sql: """
                ALTER TABLE replicas ADD COLUMN last_seen_at INTEGER;
                ALTER TABLE replicas ADD COLUMN revoked_at INTEGER;
                """)
        }
        // Territories: every account a record names (a record whose account is
        // in conflict is seen by the readers of each), removals and owner
        // changes in the feed, and the access rule the access rows follow.
        migrator.registerMigration("v4-territories") { db in
            try db.execute(sql: """
                CREATE TABLE record_accounts (
                    record_id TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    PRIMARY KEY (record_id, account_id)
                ) WITHOUT ROWID;
                CREATE INDEX record_accounts_account ON record_accounts(account_id, record_id);
                CREATE TABLE removals (
                    seq INTEGER PRIMARY KEY,
                    user_name TEXT NOT NULL,
                    record_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    owners TEXT NOT NULL
                );
                CREATE INDEX removals_user ON removals(user_name, seq);
                CREATE TABLE owner_changes (
                    id INTEGER PRIMARY KEY,
                    seq INTEGER NOT NULL UNIQUE,
                    account_id TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    by_user TEXT NOT NULL,
                    from_owners TEXT NOT NULL,
                    to_owners TEXT NOT NULL
                );
                CREATE INDEX owner_changes_account ON owner_changes(account_id, id);
                CREATE TABLE settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                INSERT INTO settings (key, value) SELECT 'access-rule', '1' WHERE EXISTS (SELECT 1 FROM records);
                INSERT INTO record_accounts (record_id, account_id) SELECT id, id FROM records WHERE kind = 'account';
                """)
            let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO record_accounts (record_id, account_id) VALUES (?, ?)")
            let rows = try Row.fetchCursor(
                db, sql: "SELECT fs.record_id, fs.state FROM field_states fs JOIN records r ON r.id = fs.record_id WHERE fs.field = 'account' AND r.kind != 'account'")
            while let row = try rows.next() {
                let register = try StateEncoding.readField(row["state"])
                for value in register.distinctValues {
                    if let account = value.text { try insert.execute(arguments: [row["record_id"] as String, account]) }
                }
            }
        }
        // Office sessions: the dashboard's sign-ins, by the hash of their cookie.
        migrator.registerMigration("v5-office-sessions") { db in
            try db.execute(sql: """
                CREATE TABLE office_sessions (
                    hash BLOB PRIMARY KEY,
                    user_name TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                """)
        }
        // One record, one row: a record's field states move into its row in
        // the compact form, numbered by the database, and the record takes the
        // sequence number of its newest field state, so every laptop's cursor
        // stays valid: a record changed above a cursor is sent whole.
        migrator.registerMigration("v6-record-rows") { db in
            try db.execute(sql: ReplicaNumbers.createTable + """
                ALTER TABLE records ADD COLUMN state BLOB NOT NULL DEFAULT x'';
                ALTER TABLE records ADD COLUMN seq INTEGER;
                """)
            let numbers = ReplicaNumbers()
            let update = try db.makeStatement(sql: "UPDATE records SET state = ?, seq = ? WHERE id = ?")
            let rows = try Row.fetchCursor(
                db, sql: "SELECT fs.record_id, fs.field, fs.state, fs.seq, r.kind FROM field_states fs JOIN records r ON r.id = fs.record_id ORDER BY fs.record_id")
            var current: (state: RecordState, seq: Int64)?
            func flush() throws {
                guard let (state, seq) = current else { return }
                try update.execute(arguments: [try numbers.encode(state, db), seq, state.id.rawValue])
            }
            while let row = try rows.next() {
                guard let id = RecordID(rawValue: row["record_id"]), let kind = RecordKind(rawValue: row["kind"]) else { continue }
                if current?.state.id != id {
                    try flush()
                    current = (RecordState(kind: kind, id: id), 0)
                }
                current!.state.join(try LegacyFieldState.part(kind: kind, id: id, field: row["field"], data: row["state"]))
                current!.seq = max(current!.seq, row["seq"])
            }
            try flush()
            try db.execute(sql: """
                DELETE FROM record_accounts WHERE record_id IN (SELECT id FROM records WHERE seq IS NULL);
                DELETE FROM records WHERE seq IS NULL;
                CREATE UNIQUE INDEX records_seq ON records(seq);
                DROP TABLE field_states;
                """)
        }
        return migrator
    }
}
