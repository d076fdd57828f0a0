import Foundation
import GRDB
import KAMProtocol

/// Everything a person has to settle on this laptop.
public struct ConflictReport: Hashable, Sendable, Codable {
    public struct Flagged: Hashable, Sendable, Codable {
        public var account: RecordID
        public var accountName: String
        public var flags: [FlagView]
    }

    public struct Entry: Hashable, Sendable, Codable {
        public var account: RecordID?
        public var accountName: String?
        public var conflict: OpenConflict
    }

    public var conflicts: [Entry]
    public var reviewFlags: [Flagged]
}

/// An edit the server did not accept, kept until the user drops it: refused
/// by the server, or held back because its record left this laptop
/// (reassigned, moved away) before it was sent.
public struct Refusal: Hashable, Sendable, Codable {
    public var kind: RecordKind
    public var record: RecordID
    public var field: String?
    public var code: String
    public var message: String
    public var at: Timestamp
    /// The values that were not accepted, by field (`deleted` for a deletion).
    public var edits: [String: FieldValue]
    /// The account the record is on, and its name as this laptop knew it.
    public var account: RecordID?
    public var accountName: String?
    /// Whether the record has left this laptop (the edit can only be handed over).
    public var removed: Bool
}

/// What `kam status` shows.
public struct ReplicaStatus: Hashable, Sendable, Codable {
    public var replica: ReplicaID
    public var server: String
    public var user: String?
    public var registered: Bool
    /// Field states changed here and not yet acknowledged by the server.
    public var pending: Int
    public var lastSync: Timestamp?
    public var cursor: UInt64
    public var conflicts: Int
    public var reviewFlags: Int
    public var refused: [Refusal]
}

extension Replica {
    /// Every field in conflict, every delete-versus-edit conflict, and every review flag.
    public func conflicts() throws -> ConflictReport {
        try store.read { db in
            let authors = try Self.authors(db)
            let names = try Dictionary(
                Row.fetchAll(db, sql: "SELECT id, name FROM records WHERE kind = \(RecordKind.account.storedCode)").map { (RecordID(rawValue: $0["id"])!, ($0["name"] as String?) ?? $0["id"]) },
                uniquingKeysWith: { a, _ in a })
            // As status counts them: a settled delete has nothing left to resolve.
            let states = try store.loadRecords(db, ids: "SELECT id FROM records WHERE status = 1")
            var entries: [ConflictReport.Entry] = []
            for state in states {
                let account = RecordIndex.accounts(of: state).first
                for conflict in OpenConflict.of(state, authors: authors) {
                    entries.append(.init(account: account, accountName: account.flatMap { names[$0] }, conflict: conflict))
                }
            }
            var flagged: [ConflictReport.Flagged] = []
            for row in try Row.fetchAll(db, sql: "SELECT id FROM records INDEXED BY records_flagged WHERE kind = \(RecordKind.account.storedCode) AND status <= 1 AND flags IS NOT NULL ORDER BY name") {
                let id = RecordID(rawValue: row["id"])!
                guard let state = try store.loadRecord(db, id) else { continue }
                let shares = try store.loadRecords(db, ids: "SELECT id FROM records WHERE account_id = ? AND kind = \(RecordKind.shareRecord.storedCode)", arguments: [id.rawValue])
                flagged.append(.init(account: id, accountName: names[id] ?? id.rawValue, flags: ReviewFlags.evaluate(account: state, shareRecords: shares).map(FlagView.init)))
            }
            return ConflictReport(
                conflicts: entries.sorted { ($0.accountName ?? "", $0.conflict.record, $0.conflict.field ?? "") < ($1.accountName ?? "", $1.conflict.record, $1.conflict.field ?? "") },
                reviewFlags: flagged)
        }
    }

    /// How a conflict is settled.
    public enum Resolution: Sendable, Hashable {
        /// Keep the n-th current value (1-based, in the order `kam conflicts` lists them).
        case keep(Int)
        /// Write this value.
        case value(String)
    }

    /// Settles a conflict with an ordinary write that covers every current value.
    ///
    /// `field` is a field name, or `deleted` for a delete-versus-edit conflict
    /// (`--value no` keeps the record, `--value yes` deletes it again).
    public func resolve(_ reference: String, field: String, _ resolution: Resolution) throws {
        let (kind, id) = try resolveRecord(reference)
        try store.edit { edit in
            // Gone since it was found: a sync in between took it off this laptop.
            guard let state = try edit.state(id) else { throw ClientError.unknownRecord(kind, reference) }
            if field == "deleted" {
                guard case .deleteConflict = state.status else { throw ClientError.notInConflict(reference, field: field) }
                let delete: Bool
                switch resolution {
                case .value("yes"), .value("delete"): delete = true
                case .value("no"), .value("keep"): delete = false
                case .keep(let n) where n == 1 || n == 2: delete = n == 2
                case .keep(let n): throw ClientError.noSuchValue(n, count: 2)
                case .value(let other):
                    throw ClientError.domain(.unknownValue(field: "deleted", value: other, allowed: ["yes", "no"]))
                }
                if delete { try edit.delete(id, kind: kind) } else { try edit.restore(id, kind: kind) }
                return
            }
            guard kind.schema.spec(field) != nil else { throw ClientError.unknownField(kind, field) }
            let register = state[field]
            guard register.isConflicted else { throw ClientError.notInConflict(reference, field: field) }
            let value: FieldValue
            switch resolution {
            case .keep(let n):
                guard (1...register.siblings.count).contains(n) else { throw ClientError.noSuchValue(n, count: register.siblings.count) }
                value = register.siblings[n - 1].value
            case .value(let text):
                value = try Self.fieldValue(text, kind: kind, field: field)
            }
            try edit.write(id, kind: kind, field, value)
        }
    }

    /// A typed value for `field`, as a person writes it (a share as a percentage, money with decimals).
    static func fieldValue(_ text: String, kind: RecordKind, field: String) throws -> FieldValue {
        guard let spec = kind.schema.spec(field) else { throw ClientError.unknownField(kind, field) }
        do {
            switch spec.type {
            case .share: return try Share(parsing: text).fieldValue
            case .money: return try Money(parsing: text).fieldValue
            case .period: return try Period(parsing: text).fieldValue
            case .day: return try Day(parsing: text).fieldValue
            case .timestamp:
                guard let millis = Int64(text) else { throw DomainError.wrongType(field: field, expected: "milliseconds since 1970") }
                return .integer(millis)
            default:
                try spec.type.check(.text(text), field: field)
                return .text(text)
            }
        } catch let error as DomainError {
            throw ClientError.domain(error)
        }
    }

    /// The replica's sync position, pending work, conflicts and refusals.
    public func status() throws -> ReplicaStatus {
        try store.read { db in
            let settings = try ReplicaStore.settings(db)
            let refused = try Self.refusals(db)
            return ReplicaStatus(
                replica: settings.replica, server: settings.server.absoluteString, user: settings.user, registered: settings.registered,
                pending: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending") ?? 0,
                lastSync: settings.lastSync, cursor: settings.cursor,
                conflicts: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records WHERE status = 1") ?? 0,
                // Named: left to itself SQLite takes the kind index and reads every account.
                reviewFlags: try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM records INDEXED BY records_flagged WHERE kind = \(RecordKind.account.storedCode) AND status <= 1 AND flags IS NOT NULL") ?? 0,
                refused: refused)
        }
    }

    /// The edits the server did not accept, oldest first: all of them, or
    /// those of one record or account (by id, or the account's name or a
    /// prefix of either, as for any account).
    public func refusals(_ reference: String? = nil) throws -> [Refusal] {
        try store.read { db in
            let all = try Self.refusals(db)
            guard let reference else { return all }
            let ids = try refusalIDs(db, reference)
            return all.filter { ids.contains($0.record) || $0.account.map(ids.contains) == true }
        }
    }

    static func refusals(_ db: Database) throws -> [Refusal] {
        try Row.fetchAll(db, sql: "SELECT * FROM refusals ORDER BY at, record_id").map { row in
            let field: String = row["field"]
            let edits = (try? ReplicaStore.decode([String: FieldValue].self, Data((row["edits"] as String).utf8))) ?? [:]
            return Refusal(
                kind: RecordKind(rawValue: row["kind"]) ?? .account, record: RecordID(rawValue: row["record_id"])!,
                field: field.isEmpty ? nil : field, code: row["code"], message: row["message"], at: Timestamp(rawValue: row["at"]),
                edits: edits, account: (row["account_id"] as String?).flatMap(RecordID.init(rawValue:)), accountName: row["account_name"],
                removed: row["removed"])
        }
    }

    /// Forgets refused edits (all, or those of one record or account): the
    /// user accepts the server's word. A record still on this laptop gets the
    /// server's values back at the next sync. Returns how many were dropped.
    @discardableResult
    public func dropRefusals(record reference: String? = nil) throws -> Int {
        try store.writer.write { db in
            let dropped = try reference.map { try refusalIDs(db, $0) }
            let rows = try Row.fetchAll(db, sql: "SELECT record_id, account_id, removed FROM refusals")
            var count = 0
            for row in rows {
                let record = RecordID(rawValue: row["record_id"])!
                let account = (row["account_id"] as String?).flatMap(RecordID.init(rawValue:))
                if let dropped, !dropped.contains(record), !(account.map(dropped.contains) ?? false) { continue }
                try db.execute(sql: "DELETE FROM refusals WHERE record_id = ?", arguments: [record.rawValue])
                count += db.changesCount
                let removed: Bool = row["removed"]
                if !removed, try store.loadRecord(db, record) != nil {
                    try db.execute(sql: "INSERT OR IGNORE INTO refetch (record_id) VALUES (?)", arguments: [record.rawValue])
                }
            }
            return count
        }
    }

    /// The ids a reference to refused edits names: a refused record's id, an
    /// account a refused edit was on (by id or name, also once it has left
    /// this laptop), or an account on this laptop.
    private func refusalIDs(_ db: Database, _ reference: String) throws -> Set<RecordID> {
        let text = reference.trimmingCharacters(in: .whitespaces)
        if let id = RecordID(rawValue: text),
            try Int.fetchOne(db, sql: "SELECT 1 FROM refusals WHERE record_id = ? LIMIT 1", arguments: [id.rawValue]) != nil
        {
            return [id]
        }
        if let account = try String.fetchOne(
            db, sql: "SELECT account_id FROM refusals WHERE account_id = :t OR account_name = :t LIMIT 1", arguments: ["t": text]),
            let id = RecordID(rawValue: account)
        {
            return [id]
        }
        return [try Self.resolve(db, reference, kind: .account)]
    }
}
