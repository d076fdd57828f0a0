import Foundation
import GRDB
import KAMProtocol
import PostgresNIO

/// Moves a team from the embedded store to PostgreSQL: copies every table
/// of a data folder's SQLite file into an empty PostgreSQL database, as it
/// is, in one transaction, a batch of rows at a time.
///
/// Rows keep their sequence numbers, the feed's counter and the replica
/// numbers their records' bytes hold, so every laptop's cursor stays valid:
/// a laptop pointed at the new server (on the same address) pulls on from
/// where it was, with nothing lost and nothing twice.
public enum EmbeddedToPostgres {
    /// How many rows of each table were copied, in copy order.
    public struct Report: Sendable, Hashable {
        public var tables: [(name: String, rows: Int)]

        public static func == (a: Report, b: Report) -> Bool {
            a.tables.map(\.name) == b.tables.map(\.name) && a.tables.map(\.rows) == b.tables.map(\.rows)
        }

        public func hash(into hasher: inout Hasher) {
            for table in tables {
                hasher.combine(table.name)
                hasher.combine(table.rows)
            }
        }

        /// The rows copied of `table`.
        public func rows(of table: String) -> Int { tables.first { $0.name == table }?.rows ?? 0 }
    }

    /// The target already holds kam's data.
    public struct TargetNotEmpty: Error, CustomStringConvertible, Sendable {
        public var counts: [String: Int]
        public var description: String {
            let held = counts.sorted { $0.key < $1.key }.filter { $0.value > 0 }.map { "\($0.value) \($0.key)" }
            return "the target database already holds kam data (\(held.joined(separator: ", "))): migrate only into an empty database, or drop its tables first"
        }
    }

    /// A table and how its columns are copied.
    struct Table: Sendable {
        var name: String
        var columns: [String]
        /// Columns the embedded store keeps as 0 or 1 and PostgreSQL as a boolean.
        var booleans: Set<String> = []
    }

    /// Every table, parents before the rows that refer to them.
    static let tables: [Table] = [
        Table(name: "users", columns: ["name", "role", "token_hash", "created_at", "revoked_at"]),
        Table(name: "office_sessions", columns: ["hash", "user_name", "created_at", "expires_at"]),
        Table(name: "replicas", columns: ["id", "user_name", "registered_at", "highest_counter", "last_seen_at", "revoked_at"]),
        Table(name: "replica_numbers", columns: ["number", "replica"]),
        Table(
            name: "records",
            columns: [
                "id", "kind", "account_id", "created_by", "visible", "needs_resolution", "name", "industry", "region", "owner", "tier",
                "stage", "share", "notes", "flags", "state", "seq",
            ],
            booleans: ["visible", "needs_resolution"]),
        Table(name: "record_accounts", columns: ["record_id", "account_id"]),
        Table(name: "account_access", columns: ["account_id", "user_name"]),
        Table(name: "refusals", columns: ["replica", "counter", "record_id", "kind", "field", "code", "message"]),
        Table(name: "removals", columns: ["seq", "user_name", "record_id", "kind", "account_id", "reason", "owners"]),
        Table(name: "owner_changes", columns: ["id", "seq", "account_id", "at", "by_user", "from_owners", "to_owners"]),
        Table(name: "settings", columns: ["key", "value"]),
    ]

    /// Tables whose rows, when any, make a target not empty: all but the settings.
    static var kamData: [String] { tables.map(\.name).filter { $0 != "settings" } }

    /// The embedded store changed while it was copied: its server still runs.
    public struct SourceChanged: Error, CustomStringConvertible, Sendable {
        public var description: String {
            "the embedded store changed while it was copied: stop the server that uses it and run migrate again (nothing was written)"
        }
    }

    /// Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
    static let batchRows = 1_000

    /// Copies everything `source` holds into `target`, which must hold no kam
    /// data (it is migrated to the current schema first). All or nothing.
    ///
    /// The embedded store is read in one snapshot, `batchRows` rows at a time,
    /// each batch written before the next is read: the copy holds one batch in
    /// memory whatever the size of the team.
    public static func copy(from source: SQLiteStore, to target: PostgresStore) async throws -> Report {
        try await copy(from: source, to: target, batchRows: batchRows)
    }

    static func copy(from source: SQLiteStore, to target: PostgresStore, batchRows: Int) async throws -> Report {
        try await target.migrate()
        return try await target.transaction(.write) { tx in
            var counts: [String: Int] = [:]
            for table in kamData {
                counts[table] = try tx.session.rows(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"))[0].decode(Int.self)
            }
            guard counts.values.allSatisfy({ $0 == 0 }) else { throw TargetNotEmpty(counts: counts) }
            // A schema made by an earlier `kam-server serve --database` holds no data but these defaults.
            try tx.session.query("DELETE FROM settings")
            // One snapshot of the embedded store: what a stopped server left.
            let (report, sequence) = try source.writer.read { db in
                let sequence = try Int64.fetchOne(db, sql: "SELECT value FROM sequence WHERE id = 1") ?? 0
                var report: [(name: String, rows: Int)] = []
                for table in tables {
                    let rows = try Row.fetchCursor(db, sql: "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name)")
                    var batch: [[DatabaseValue]] = []
                    batch.reserveCapacity(batchRows)
                    var copied = 0
                    while let row = try rows.next() {
                        batch.append(table.columns.indices.map { row[$0] as DatabaseValue })
                        guard batch.count == batchRows else { continue }
                        try insert(batch[...], into: table, tx.session)
                        copied += batch.count
                        batch.removeAll(keepingCapacity: true)
                    }
                    try insert(batch[...], into: table, tx.session)
                    report.append((table.name, copied + batch.count))
                }
                return (report, sequence)
            }
            // A server still running on the embedded store would lose what it takes from now on: refuse.
            let after = try source.writer.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM sequence WHERE id = 1") ?? 0 }
            guard after == sequence else { throw SourceChanged() }
            try tx.session.query("UPDATE sequence SET value = \(sequence) WHERE id = 1")
            // New numbers and ids continue after the copied ones.
            for (table, column) in [("replica_numbers", "number"), ("owner_changes", "id")] {
                try tx.session.query(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), COALESCE((SELECT MAX(\(column)) FROM \(table)), 0) + 1, false)
                    """))
            }
            return Report(tables: report)
        }
    }

    static func insert(_ rows: ArraySlice<[DatabaseValue]>, into table: Table, _ session: PostgresSession) throws {
        guard !rows.isEmpty else { return }
        var statement = PostgresStatement("INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES ")
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        for row in rows {
            var placeholders: [String] = []
            for (column, value) in zip(table.columns, row) {
                placeholders.append(try bind(value, boolean: table.booleans.contains(column), into: &statement))
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        statement.sql += tuples.joined(separator: ", ")
        try session.query(statement.query())
    }

    /// Binds one embedded-store value as its PostgreSQL column takes it.
    static func bind(_ value: DatabaseValue, boolean: Bool, into statement: inout PostgresStatement) throws -> String {
        switch value.storage {
        case .null:
            statement.binds.appendNull()
            return "$\(statement.binds.count)"
        case .int64(let number): return boolean ? statement.bind(number != 0) : statement.bind(number)
        case .double(let number): return statement.bind(number)
        case .string(let text): return statement.bind(text)
        case .blob(let data): return try statement.bind(throwing: data)
        }
    }
}
