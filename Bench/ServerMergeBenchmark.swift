import Foundation
import GRDB
import KAMProtocol
import KAMServer
import Logging

/// The server's data folder after the merge benchmark: two reps and their territories.
struct SeededServer: Sendable {
    var data: URL
    var largeToken: String
    var smallToken: String
    var largeFieldStates: Int
    /// The replica that pushed the large territory.
    var largeReplica: ReplicaID
}

/// Benchmark 1: field states pushed and committed per second through the
/// real store, beside a raw SQLite insert of the same rows.
enum ServerMergeBenchmark {
    static func run(_ context: BenchContext) async throws -> (BenchmarkReport, SeededServer) {
        let scale = context.scale
        let data = try context.folder("server")
        var quiet = Logger(label: "kam.bench.store")
        quiet.logLevel = .warning
        var report = BenchmarkReport(
            number: 1, title: "Server merge throughput",
            workload: "\(Format.count(scale.largeTerritory)) accounts, each with a contact and an activity, pushed by one replica in batches of 40 accounts (about the client's 500 field states) into `SQLiteStore` on a file (WAL, synchronous=NORMAL), as `kam-server` opens it. The store keeps one row per record. Reference: the pushed field states as one row each (record id, field, register bytes, sequence), the layout of a store with a row per field, inserted with one prepared statement into a table keyed by (record id, field), in transactions of the same size, with the same pragmas, in the same run.")

        let (seeded, seconds, batches) = try await seed(data: data, scale: scale, logger: quiet)
        let storeRate = Double(seeded.largeFieldStates) / seconds
        context.logger.info("store merged", metadata: ["field_states": "\(seeded.largeFieldStates)", "seconds": "\(seconds)"])

        let rows = fieldRows(owner: "large", accounts: scale.largeTerritory, replica: seeded.largeReplica)
        let perTransaction = max(1, rows.count / max(batches, 1))
        let rawSeconds = try rawInsert(rows, into: try context.folder("raw-insert"), perTransaction: perTransaction)
        let rawRate = Double(rows.count) / rawSeconds
        let ratio = storeRate / rawRate

        report.rows = [
            .init("field states committed", kam: Format.count(seeded.largeFieldStates), reference: Format.count(rows.count)),
            .init("time", kam: Format.seconds(seconds), reference: Format.seconds(rawSeconds)),
            .init("field states per second", kam: Format.rate(storeRate, "field states"), reference: Format.rate(rawRate, "rows"), ratio: Format.percent(ratio)),
        ]
        report.goal("at least 50 % of the raw insert rate", measured: Format.percent(ratio), met: ratio >= 0.5, judged: scale.judged)
        return (report, seeded)
    }

    /// Creates the reps `large` and `small` and pushes their territories; returns the seconds the large one took.
    static func seed(data: URL, scale: BenchScale, logger: Logger) async throws -> (SeededServer, Double, Int) {
        let store = SyncService(storage: try SQLiteStore.open(directory: data, logger: logger), logger: logger)
        let largeToken = try await store.addUser(name: "large", role: .rep)
        let smallToken = try await store.addUser(name: "small", role: .rep)
        guard let large = try await store.authenticate(token: largeToken), let small = try await store.authenticate(token: smallToken) else {
            throw BenchError("the users just added do not authenticate")
        }
        let largeReplica = ReplicaID.random()
        _ = try await store.registerReplica(largeReplica, for: large)
        let (fieldStates, seconds, batches) = try await pushTerritory(store, user: large, replica: largeReplica, accounts: scale.largeTerritory)

        let smallReplica = ReplicaID.random()
        _ = try await store.registerReplica(smallReplica, for: small)
        for batch in Territory(owner: "small", accounts: scale.smallTerritory, replica: smallReplica) {
            _ = try await store.push(PushRequest(replica: smallReplica, records: batch), by: small)
        }
        return (SeededServer(data: data, largeToken: largeToken, smallToken: smallToken, largeFieldStates: fieldStates, largeReplica: largeReplica), seconds, batches)
    }

    /// Pushes `user`'s territory of `accounts` from `replica` in the client's
    /// batches; the field states pushed, the seconds it took and the batches.
    static func pushTerritory(
        _ service: SyncService, user: User, replica: ReplicaID, accounts: Int
    ) async throws -> (fieldStates: Int, seconds: Double, batches: Int) {
        var fieldStates = 0
        var batches = 0
        var accepted = 0
        // Made before the clock starts, as the reference's rows are.
        let territory = Array(Territory(owner: user.name, accounts: accounts, replica: replica))
        let seconds = try await Stopwatch.time {
            for batch in territory {
                let acknowledgement = try await service.push(PushRequest(replica: replica, records: batch), by: user)
                guard acknowledgement.refused.isEmpty else { throw BenchError("the store refused \(acknowledgement.refused[0])") }
                accepted += acknowledgement.accepted
                fieldStates += batch.fieldStateCount
                batches += 1
            }
        }
        guard accepted == fieldStates else { throw BenchError("the store accepted \(accepted) of \(fieldStates) field states") }
        return (fieldStates, seconds, batches)
    }

    struct StoredRow {
        var record: String
        var field: String
        var state: Data
        var sequence: Int64
    }

    /// The field-state rows of `owner`'s territory as pushed, in push order:
    /// one row per register, each in `StateEncoding`'s form, the layout a
    /// store keeping a row per field writes. The reference inserts these.
    static func fieldRows(owner: String, accounts: Int, replica: ReplicaID) -> [StoredRow] {
        var rows: [StoredRow] = []
        for batch in Territory(owner: owner, accounts: accounts, replica: replica) {
            for record in batch {
                for (field, register) in record.fields.sorted(by: { $0.key < $1.key }) {
                    rows.append(StoredRow(record: record.id.rawValue, field: field, state: StateEncoding.encode(register), sequence: Int64(rows.count + 1)))
                }
                if !record.existence.context.isEmpty {
                    rows.append(StoredRow(record: record.id.rawValue, field: "@existence", state: StateEncoding.encode(record.existence), sequence: Int64(rows.count + 1)))
                }
            }
        }
        return rows
    }

    /// Seconds to insert `rows` into a table with the store's primary key, `perTransaction` rows at a time.
    static func rawInsert(_ rows: [StoredRow], into folder: URL, perTransaction: Int) throws -> Double {
        var configuration = Configuration()
        // The pragmas `SQLiteStore.open` sets, so only the work differs.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        let pool = try DatabasePool(path: folder.appendingPathComponent("raw.sqlite").path, configuration: configuration)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE field_states (
                    record_id TEXT NOT NULL, field TEXT NOT NULL, state BLOB NOT NULL, seq INTEGER NOT NULL,
                    PRIMARY KEY (record_id, field)
                ) WITHOUT ROWID
                """)
        }
        return try Stopwatch.time {
            var start = 0
            while start < rows.count {
                let end = min(start + perTransaction, rows.count)
                try pool.write { db in
                    let insert = try db.cachedStatement(sql: "INSERT INTO field_states (record_id, field, state, seq) VALUES (?, ?, ?, ?)")
                    for row in rows[start..<end] {
                        try insert.execute(arguments: [row.record, row.field, row.state, row.sequence])
                    }
                }
                start = end
            }
        }
    }
}
