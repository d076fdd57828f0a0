import Foundation
import KAMProtocol
import KAMServer
import Logging
import PostgresNIO

/// Benchmark 8: benchmark 1's push on PostgreSQL, beside a raw bulk insert
/// of the same rows into PostgreSQL, both in the same run on the same cluster.
enum PostgresMergeBenchmark {
    static func run(_ context: BenchContext, base: String) async throws -> BenchmarkReport {
        let scale = context.scale
        let quiet = PostgresScratch.logger
        var report = BenchmarkReport(
            number: 8, title: "Server merge throughput on PostgreSQL",
            workload: "Benchmark 1's push (\(Format.count(scale.largeTerritory)) accounts, each with a contact and an activity, one replica, batches of 40 accounts) into `PostgresStore` on the local PostgreSQL cluster `make bench` starts (synchronous_commit off, as SQLite's synchronous=NORMAL; fsync on), through one connection pool, as `kam-server serve --database` runs it. Reference: the same field-state rows as benchmark 1's reference (record id, field, register bytes, sequence), inserted with `INSERT … SELECT FROM unnest(…)` into a table keyed by (record id, field), in transactions of the same size, on the same cluster, in the same run.")

        let database = try await PostgresScratch.create("merge", beside: base, logger: quiet)
        let store = try PostgresStore(url: try PostgresDatabaseURL(database), connections: 2, logger: quiet)
        let (fieldStates, seconds, batches, replica) = try await PostgresScratch.withClient(store.client) {
            try await store.migrate()
            let service = SyncService(storage: store, logger: quiet)
            let token = try await service.addUser(name: "large", role: .rep)
            guard let user = try await service.authenticate(token: token) else { throw BenchError("the user just added does not authenticate") }
            let replica = ReplicaID.random()
            _ = try await service.registerReplica(replica, for: user)
            let (fieldStates, seconds, batches) = try await ServerMergeBenchmark.pushTerritory(
                service, user: user, replica: replica, accounts: scale.largeTerritory)
            return (fieldStates, seconds, batches, replica)
        }
        let storeRate = Double(fieldStates) / seconds

        let rows = ServerMergeBenchmark.fieldRows(owner: "large", accounts: scale.largeTerritory, replica: replica)
        let perTransaction = max(1, rows.count / max(batches, 1))
        let rawSeconds = try await rawInsert(rows, into: try await PostgresScratch.create("raw", beside: base, logger: quiet), perTransaction: perTransaction, logger: quiet)
        let rawRate = Double(rows.count) / rawSeconds
        let ratio = storeRate / rawRate
        report.rows = [
            .init("field states committed", kam: Format.count(fieldStates), reference: Format.count(rows.count)),
            .init("time", kam: Format.seconds(seconds), reference: Format.seconds(rawSeconds)),
            .init("field states per second", kam: Format.rate(storeRate, "field states"), reference: Format.rate(rawRate, "rows"), ratio: Format.percent(ratio)),
        ]
        report.notes.append(
            "No goal is set on this 2-core machine: the server, the bench and PostgreSQL share both cores, and every write transaction of every process holds the feed's counter row from its first statement to its commit (docs/OPERATIONS.md, 'Several processes'), so writes run one at a time whatever the number of processes. The reference writes its rows in one statement per transaction; a push reads what it merges, decides per record, and writes a few statements per batch.")
        return report
    }

    /// Seconds to insert `rows` with `INSERT … SELECT FROM unnest(…)`, `perTransaction` rows a transaction.
    static func rawInsert(_ rows: [ServerMergeBenchmark.StoredRow], into database: String, perTransaction: Int, logger: Logger) async throws -> Double {
        let store = try PostgresStore(url: try PostgresDatabaseURL(database), connections: 1, logger: logger)
        return try await PostgresScratch.withClient(store.client) {
            try await store.client.withConnection { connection in
                _ = try await connection.query("""
                    CREATE TABLE field_states (
                        record_id TEXT COLLATE "C" NOT NULL, field TEXT COLLATE "C" NOT NULL, state BYTEA NOT NULL, seq BIGINT NOT NULL,
                        PRIMARY KEY (record_id, field))
                    """, logger: logger)
                return try await Stopwatch.time {
                    var start = 0
                    while start < rows.count {
                        let chunk = rows[start..<min(start + perTransaction, rows.count)]
                        let records = chunk.map(\.record), fields = chunk.map(\.field)
                        let states = chunk.map { ByteBuffer(bytes: $0.state) }, sequences = chunk.map(\.sequence)
                        _ = try await connection.query("BEGIN", logger: logger)
                        _ = try await connection.query("""
                            INSERT INTO field_states (record_id, field, state, seq)
                            SELECT * FROM unnest(\(records)::text[], \(fields)::text[], \(states)::bytea[], \(sequences)::int8[])
                            """, logger: logger)
                        _ = try await connection.query("COMMIT", logger: logger)
                        start += chunk.count
                    }
                }
            }
        }
    }
}
