import Foundation
import GRDB
import KAMClient
import KAMProtocol

/// Benchmark 7: the replica file beside the same data without sync metadata.
enum MetadataBenchmark {
    static func run(_ context: BenchContext, largeHome: URL) throws -> BenchmarkReport {
        let scale = context.scale
        var report = BenchmarkReport(
            number: 7, title: "Sync metadata",
            workload: "The bootstrapped replica of \(Format.count(scale.largeTerritory)) accounts (WAL checkpointed) beside a plain SQLite file holding the same current values: one table per record kind, one column per field, the indexes the same queries need (accounts by stage, records by account), and no dots, version vectors, history or pending marks. Both compacted with `VACUUM INTO` for the like-for-like figure.")
        let folder = try context.folder("metadata")
        let replicaPath = ReplicaHome(url: largeHome).databaseURL.path
        let replica = try DatabaseQueue(path: replicaPath)
        try replica.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let asSynced = fileSize(replicaPath) + fileSize(replicaPath + "-wal")
        let compactReplica = folder.appendingPathComponent("replica-compact.sqlite").path
        try replica.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [compactReplica]) }

        let plainPath = folder.appendingPathComponent("plain.sqlite").path
        try writePlain(from: largeHome, to: plainPath)
        let compactPlain = folder.appendingPathComponent("plain-compact.sqlite").path
        try DatabaseQueue(path: plainPath).writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [compactPlain]) }

        let replicaBytes = fileSize(compactReplica)
        let plainBytes = fileSize(compactPlain)
        let overhead = Double(replicaBytes - plainBytes) / Double(plainBytes)
        report.rows = [
            .init("file as synced", kam: Format.bytes(asSynced), reference: Format.bytes(fileSize(plainPath))),
            .init("file compacted", kam: Format.bytes(replicaBytes), reference: Format.bytes(plainBytes), ratio: Format.ratio(Double(replicaBytes) / Double(plainBytes))),
            .init("overhead", kam: Format.percent(overhead)),
        ]
        for (name, bytes) in try breakdown(compactReplica) {
            report.rows.append(.init("  of which \(name)", kam: Format.bytes(bytes)))
        }
        report.goal("at most 30 % overhead", measured: Format.percent(overhead), met: overhead <= 0.3, judged: scale.judged)
        return report
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The pages each table and index of `path` takes, largest first (empty when SQLite lacks dbstat).
    static func breakdown(_ path: String) throws -> [(String, Int64)] {
        let queue = try DatabaseQueue(path: path)
        return (try? queue.read { db in
            try Row.fetchAll(db, sql: "SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 8")
                .map { ($0["name"] as String, $0["bytes"] as Int64) }
        }) ?? []
    }

    /// The replica's current values, one table per kind, without any sync metadata.
    static func writePlain(from home: URL, to path: String) throws {
        let plain = try DatabaseQueue(path: path)
        try plain.write { db in
            for kind in RecordKind.allCases {
                let columns = kind.schema.fieldNames.map { "\"\($0)\"" }.joined(separator: ", ")
                try db.execute(sql: "CREATE TABLE \"\(kind.rawValue)\" (id TEXT PRIMARY KEY, \(columns))")
                if kind == .account {
                    try db.execute(sql: "CREATE INDEX account_stage ON account(stage)")
                } else {
                    try db.execute(sql: "CREATE INDEX \"\(kind.rawValue)_account\" ON \"\(kind.rawValue)\"(account)")
                }
            }
        }
        var pending: [(String, RecordKind, [String: FieldValue])] = []
        try ReplicaStore.open(home: ReplicaHome(url: home)).forEachRecord { state in
            guard !(state.existence.value?.isDeleted ?? false) else { return }
            pending.append((state.id.rawValue, state.kind, state.fields.compactMapValues(\.value)))
            if pending.count >= 2_000 {
                try insert(pending, into: plain)
                pending.removeAll()
            }
        }
        try insert(pending, into: plain)
    }

    static func insert(_ records: [(String, RecordKind, [String: FieldValue])], into plain: DatabaseQueue) throws {
        try plain.write { db in
            for (id, kind, values) in records {
                let names = kind.schema.fieldNames
                let columns = (["id"] + names).map { "\"\($0)\"" }.joined(separator: ", ")
                let marks = Array(repeating: "?", count: names.count + 1).joined(separator: ", ")
                let statement = try db.cachedStatement(sql: "INSERT INTO \"\(kind.rawValue)\" (\(columns)) VALUES (\(marks))")
                var arguments: [(any DatabaseValueConvertible)?] = [id]
                for name in names {
                    switch values[name] {
                    case .text(let text): arguments.append(text)
                    case .integer(let number): arguments.append(number)
                    case .null, nil: arguments.append(nil)
                    }
                }
                try statement.execute(arguments: StatementArguments(arguments))
            }
        }
    }
}
