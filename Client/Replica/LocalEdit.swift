import Foundation
import GRDB
import KAMProtocol

/// One local edit: every write in it takes a fresh dot from the replica's
/// clock, and all of it is saved in one transaction with the new counter.
public struct LocalEdit {
    let db: Database
    let store: ReplicaStore
    /// The replica's clock; its counter is saved when the edit ends.
    public private(set) var clock: DotClock
    /// The wall-clock time stamped on every write of this edit.
    public let now: Timestamp

    private struct Touched {
        var state: RecordState
        /// The counter of this edit's newest write to each field.
        var fieldDots: [String: UInt64] = [:]
        var existenceDot: UInt64?
    }

    private var touched: [RecordID: Touched] = [:]
    private var order: [RecordID] = []

    init(db: Database, store: ReplicaStore, clock: DotClock, now: Timestamp) {
        self.db = db
        self.store = store
        self.clock = clock
        self.now = now
    }

    /// The current merged state of `id`, with this edit's writes.
    public func state(_ id: RecordID) throws -> RecordState? {
        if let touched = touched[id] { return touched.state }
        return try store.loadRecord(db, id)
    }

    private mutating func touch(_ id: RecordID, kind: RecordKind) throws {
        guard touched[id] == nil else { return }
        touched[id] = Touched(state: try store.loadRecord(db, id) ?? RecordState(kind: kind, id: id))
        order.append(id)
    }

    /// Creates a record: one write per field, in schema order.
    @discardableResult
    public mutating func create<R: KAMRecord>(_ record: R) throws -> RecordID {
        let values = record.fieldValues
        for spec in R.schema.fields {
            if let value = values[spec.name] { try write(record.id, kind: R.kind, spec.name, value) }
        }
        return record.id
    }

    /// Writes one field of `id`; the value is checked against the record kind's schema.
    public mutating func write(_ id: RecordID, kind: RecordKind, _ field: String, _ value: FieldValue) throws {
        do { try kind.schema.check(field: field, value: value) } catch { throw ClientError.domain(error) }
        try touch(id, kind: kind)
        let dot = clock.next()
        touched[id]!.state.write(field, value, dot: dot, at: now)
        touched[id]!.fieldDots[field] = dot.counter
    }

    /// Deletes `id`, carrying everything this replica has seen of it.
    public mutating func delete(_ id: RecordID, kind: RecordKind) throws {
        try touch(id, kind: kind)
        touched[id]!.state.delete(clock: &clock, at: now)
        touched[id]!.existenceDot = clock.counter
    }

    /// Keeps `id` after a delete (settles a delete-versus-edit conflict that way).
    public mutating func restore(_ id: RecordID, kind: RecordKind) throws {
        try touch(id, kind: kind)
        touched[id]!.state.restore(clock: &clock, at: now)
        touched[id]!.existenceDot = clock.counter
    }

    /// Saves every touched record, marks the fields written pending, refreshes the flags, and the counter.
    func finish() throws {
        var accounts: Set<RecordID> = []
        for id in order {
            let entry = touched[id]!
            // A record whose creation the server refused is on no server (or,
            // after a lost answer, already there): an edit to it sends all of
            // it again, and the server judges it anew.
            if try Int.fetchOne(db, sql: "SELECT 1 FROM refusals WHERE record_id = ? AND new_record = 1 AND removed = 0", arguments: [id.rawValue]) != nil {
                var names = Array(entry.state.fields.keys)
                if !entry.state.existence.context.isEmpty { names.append(ReplicaStore.existenceField) }
                for name in names {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO pending (record_id, field, own_dot) VALUES (?, ?, ?)",
                        arguments: [id.rawValue, name, Int64(clamping: clock.counter)])
                }
                try db.execute(sql: "DELETE FROM refusals WHERE record_id = ?", arguments: [id.rawValue])
            }
            for (field, counter) in entry.fieldDots { try ReplicaStore.markPending(db, id, field, dot: counter) }
            if let counter = entry.existenceDot { try ReplicaStore.markPending(db, id, ReplicaStore.existenceField, dot: counter) }
            try store.store(db, entry.state)
            accounts.formUnion(RecordIndex.accounts(of: entry.state))
        }
        for account in accounts { try store.refreshFlags(db, account: account) }
        try db.execute(sql: "UPDATE replica SET counter = ? WHERE id = 1", arguments: [Int64(clock.counter)])
    }
}

extension ReplicaStore {
    /// Runs `body` as one local edit: all of it is saved, or nothing.
    public func edit<T>(_ body: (inout LocalEdit) throws -> T) throws -> T {
        try writer.write { db in
            let settings = try Self.settings(db)
            let counter = UInt64(try Int64.fetchOne(db, sql: "SELECT counter FROM replica WHERE id = 1") ?? 0)
            var edit = LocalEdit(db: db, store: self, clock: DotClock(replica: settings.replica, counter: counter), now: .now())
            let result = try body(&edit)
            try edit.finish()
            return result
        }
    }

    /// Runs `body` with read access to the replica.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }
}
