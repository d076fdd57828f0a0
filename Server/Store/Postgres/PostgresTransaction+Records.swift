import Foundation
import KAMProtocol
import PostgresNIO

/// Records: read (with what a push needs of them in one go), buffered and written together.
extension PostgresTransaction {
    func record(_ id: RecordID) throws -> StoredRecord? {
        if let known = storedRecords[id] { return known }
        if notStored.contains(id) { return nil }
        guard let row = try session.rows("SELECT kind, state, created_by FROM records WHERE id = \(id.rawValue)").first else { return nil }
        let (kind, state, createdBy) = try row.decode((String, Data, String).self)
        let record = StoredRecord(state: try decode(kind: kind, state: state, id: id), createdBy: createdBy)
        remember(stored: record.state)
        storedRecords[id] = record
        return record
    }

    /// A record row's state; a row this release cannot read is damaged data.
    func decode(kind: String, state: Data, id: RecordID) throws -> RecordState {
        guard let kind = RecordKind(rawValue: kind) else { throw StateEncodingError.badRecord }
        return try decode(state, kind: kind, id: id)
    }

    func kind(of id: RecordID) throws -> RecordKind? {
        // Saved and not yet written: the buffer holds the answer; anything else is in the table already.
        if let pending = unsaved[id] { return pending.state.kind }
        // Read before: writes of other transactions wait for this one's end (or its snapshot hides them).
        if let known = storedKinds[id] { return known }
        if notStored.contains(id) { return nil }
        return try session.rows("SELECT kind FROM records WHERE id = \(id.rawValue)").first
            .flatMap { RecordKind(rawValue: try $0.decode(String.self)) }
    }

    func records(of account: RecordID) throws -> [RecordState] {
        try loadRecords("""
            SELECT r.id, r.kind, r.state FROM record_accounts ra JOIN records r ON r.id = ra.record_id
            WHERE ra.account_id = \(account.rawValue) AND ra.record_id != \(account.rawValue) ORDER BY ra.record_id
            """)
    }

    func recordsNaming(_ account: RecordID) throws -> [NamedRecord] {
        try flush()
        let rows = try session.rows("""
            SELECT r.id, r.kind, string_agg(other.account_id, E'\\n') FROM record_accounts ra
            JOIN records r ON r.id = ra.record_id JOIN record_accounts other ON other.record_id = ra.record_id
            WHERE ra.account_id = \(account.rawValue) GROUP BY r.id, r.kind ORDER BY r.id
            """)
        return try rows.compactMap { row in
            let (id, kind, accounts) = try row.decode((String, String, String?).self)
            guard let id = RecordID(rawValue: id), let kind = RecordKind(rawValue: kind) else { return nil }
            let named = (accounts ?? "").split(separator: "\n").compactMap { RecordID(rawValue: String($0)) }
            return NamedRecord(id: id, kind: kind, accounts: named.sorted())
        }
    }

    func accountsNamed(by record: RecordID) throws -> [RecordID] {
        if let pending = unsaved[record] { return RecordIndex.accounts(of: pending.state) }
        return try session.rows("SELECT account_id FROM record_accounts WHERE record_id = \(record.rawValue)")
            .compactMap { RecordID(rawValue: try $0.decode(String.self)) }
    }

    func recordsNamingSeveralAccounts() throws -> [RecordID] {
        try flush()
        return try session.rows("SELECT record_id FROM record_accounts GROUP BY record_id HAVING COUNT(*) > 1 ORDER BY record_id")
            .compactMap { RecordID(rawValue: try $0.decode(String.self)) }
    }

    func accountIDs() throws -> [RecordID] {
        try flush()
        return try session.rows("SELECT id FROM records WHERE kind = 'account' ORDER BY id")
            .compactMap { RecordID(rawValue: try $0.decode(String.self)) }
    }

    func shareRecords(of account: RecordID) throws -> [RecordState] {
        if let known = shareRecordsOf[account] { return try known.map { try decode(kind: $0.kind, state: $0.state, id: $0.id) } }
        // Only a share record of this account waiting in the buffer needs writing first (its id
        // fixes its account, so the buffer and the stored account_id agree on which account it is).
        if unsaved.values.contains(where: { $0.state.kind == .shareRecord && RecordIndex.accounts(of: $0.state).contains(account) }) {
            try flush()
        }
        return try loadRecords(unflushed: """
            SELECT r.id, r.kind, r.state FROM records r WHERE r.account_id = \(account.rawValue) AND r.kind = 'share-record' ORDER BY r.id
            """)
    }

    func visibleRecords(of kinds: [RecordKind], in scope: AccessScope) throws -> [RecordState] {
        let kinds = kinds.map(\.rawValue)
        switch scope {
        case .everything:
            return try loadRecords("SELECT r.id, r.kind, r.state FROM records r WHERE r.visible AND r.kind = ANY(\(kinds)) ORDER BY r.id")
        case .accessRows(let user):
            return try loadRecords("""
                SELECT r.id, r.kind, r.state FROM records r WHERE r.visible AND r.kind = ANY(\(kinds))
                AND EXISTS (SELECT 1 FROM record_accounts ra JOIN account_access aa ON aa.account_id = ra.account_id
                    AND aa.user_name = \(user) WHERE ra.record_id = r.id)
                ORDER BY r.id
                """)
        }
    }

    /// The records whose rows `query` selects (`id`, `kind`, `state`), in its order.
    func loadRecords(_ query: PostgresQuery) throws -> [RecordState] {
        try flush()
        return try loadRecords(unflushed: query)
    }

    /// ``loadRecords(_:)`` when the caller knows no record waiting in the buffer is among those `query` selects.
    func loadRecords(unflushed query: PostgresQuery) throws -> [RecordState] {
        try session.rows(query).compactMap { row in
            let (id, kind, state) = try row.decode((String, String, Data).self)
            guard let id = RecordID(rawValue: id) else { return nil }
            return try decode(kind: kind, state: state, id: id)
        }
    }

    func records(_ ids: [RecordID]) throws -> [RecordID: StoredRecord] {
        var found: [RecordID: StoredRecord] = [:]
        for id in ids { if let known = storedRecords[id] { found[id] = known } }
        var seen: Set<RecordID> = []
        let stored = ids.filter { found[$0] == nil && !notStored.contains($0) && seen.insert($0).inserted }
        guard !stored.isEmpty else { return found }
        // With the access rows and share records of those that are accounts, in
        // one statement: a push asks for them account by account next.
        let access = stored.filter { accessRows[$0] == nil }
        var shares = stored.filter { shareRecordsOf[$0] == nil }
        // A share record waiting in the buffer is not in the table yet: those are read when asked for, after a flush.
        if unsaved.values.contains(where: { $0.state.kind == .shareRecord }) { shares = [] }
        // Looked up id by id (LATERAL, kept apart by OFFSET 0), so each is an
        // index lookup: while a territory streams in, the planner's statistics
        // lag behind the tables, and a join it plans from them scans them
        // whole. Not prepared: a plan a connection keeps from while the tables
        // were small would do the same.
        let rows = try session.rows("""
            SELECT 0, id, kind, state, created_by, flags FROM records WHERE id = ANY(\(stored.map(\.rawValue)))
            UNION ALL
            SELECT 1, r.id, r.kind, r.state, r.account_id, NULL FROM unnest(\(shares.map(\.rawValue))::text[]) AS k(id)
                CROSS JOIN LATERAL (SELECT id, kind, state, account_id FROM records
                                    WHERE account_id = k.id AND kind = 'share-record' OFFSET 0) AS r
            UNION ALL
            SELECT 2, a.account_id, NULL, NULL, a.user_name, NULL FROM unnest(\(access.map(\.rawValue))::text[]) AS k(id)
                CROSS JOIN LATERAL (SELECT account_id, user_name FROM account_access WHERE account_id = k.id OFFSET 0) AS a
            """)
        // Answered: what was not found is known missing.
        for id in access { accessRows[id] = [] }
        for id in shares { shareRecordsOf[id] = [] }
        notStored.formUnion(stored)
        do {
            try take(rows, into: &found)
        } catch {
            // A row this release cannot read (damaged data): nothing half read is kept.
            for id in access { accessRows[id] = nil }
            for id in shares { shareRecordsOf[id] = nil }
            notStored.subtract(stored)
            for id in stored { storedRecords[id] = nil }
            throw error
        }
        for id in shares { shareRecordsOf[id]?.sort { $0.id < $1.id } }
        return found
    }

    /// Takes in the rows of ``records(_:)``'s statement.
    private func take(_ rows: [PostgresRow], into found: inout [RecordID: StoredRecord]) throws {
        for row in rows {
            let (part, key, kind, state, text, flags) = try row.decode((Int32, String, String?, Data?, String, String?).self)
            guard let key = RecordID(rawValue: key) else { continue }
            switch BatchPart(rawValue: part) {
            case .record:
                guard let kind, let state else { continue }
                let record = StoredRecord(state: try decode(kind: kind, state: state, id: key), createdBy: text)
                found[key] = record
                storedRecords[key] = record
                notStored.remove(key)
                remember(stored: record.state)
                storedFlags[key] = flags ?? Self.noFlags
            case .shareRecord:
                guard let kind, let state, let account = RecordID(rawValue: text) else { continue }
                shareRecordsOf[account, default: []].append((key, kind, state))
            case .accessRow:
                accessRows[key, default: []].insert(text)
            case nil:
                continue
            }
        }
    }

    /// What a row of the statement ``records(_:)`` reads is.
    enum BatchPart: Int32 {
        /// `id, kind, state, created_by, flags` of a record asked for.
        case record = 0
        /// `id, kind, state, account_id` of a share record of an account asked for.
        case shareRecord = 1
        /// `account_id, NULL, NULL, user_name` of an access row of an account asked for.
        case accessRow = 2
    }

    /// Review flags as a stored row has them when there are none (the column's default).
    static let noFlags = "[]"

    /// Notes what a stored row of `state` holds: its kind and the accounts it names.
    func remember(stored state: RecordState) {
        storedKinds[state.id] = state.kind
        storedAccounts[state.id] = Set(RecordIndex.accounts(of: state))
    }

    /// Forgets what this transaction knew of the stored rows: a savepoint undone takes back what it wrote.
    func forgetStoredRows() {
        storedRecords = [:]
        storedAccounts = [:]
        storedKinds = [:]
        notStored = []
        storedFlags = [:]
        replicasOf = [:]
    }

    func saveRecord(_ state: RecordState, createdBy: String, sequence: UInt64) throws {
        unsaved[state.id] = (state, createdBy, sequence)
        storedRecords[state.id] = StoredRecord(state: state, createdBy: createdBy)
        if state.kind == .shareRecord { shareRecordsOf = [:] }
    }

    /// Rows per statement when records are written together: PostgreSQL takes at most 65,535 parameters.
    static let flushRows = 1_000

    /// Writes what this transaction keeps in memory: the records saved
    /// since the last flush, with the accounts they name, the access rows,
    /// owner changes and removals, and before the commit the counters. One
    /// statement for up to a thousand records, each part on rows no other
    /// part touches, sent without waiting: the next statement waited for, or
    /// the commit, reports a failure. Review flags follow in a second one
    /// when they changed.
    func flush(beforeCommit: Bool = false) throws {
        let pending = unsaved.values.sorted { $0.sequence < $1.sequence }
        unsaved = [:]
        var statement = PostgresStatement("")
        var parts = try feedWrites(into: &statement)
        if beforeCommit { parts += try counterWrites(into: &statement) }
        var start = 0
        repeat {
            let chunk = pending[start..<min(start + Self.flushRows, pending.count)]
            if !chunk.isEmpty { parts += try recordWrites(chunk, into: &statement) }
            if !parts.isEmpty {
                statement.sql = Self.combined(parts)
                try session.send(statement.query())
            }
            (statement, parts) = (PostgresStatement(""), [])
            start += Self.flushRows
        } while start < pending.count
        try flushFlags()
    }

    /// Data-modifying statements as one: all but the last as WITH parts.
    static func combined(_ parts: [String]) -> String {
        guard parts.count > 1 else { return parts[0] }
        let with = parts.dropLast().enumerated().map { "w\($0.offset) AS (\($0.element))" }
        return "WITH " + with.joined(separator: ",\n") + "\n" + parts[parts.count - 1]
    }

    /// The review flags set since the last flush that differ from the stored ones.
    func flushFlags() throws {
        guard !unsavedFlags.isEmpty else { return }
        let flags = unsavedFlags.sorted { $0.key < $1.key }
        unsavedFlags = [:]
        for start in stride(from: 0, to: flags.count, by: Self.flushRows) {
            let chunk = flags[start..<min(start + Self.flushRows, flags.count)]
            try session.send("""
                UPDATE records r SET flags = f.flags FROM unnest(\(chunk.map(\.key.rawValue))::text[], \(chunk.map(\.value))::text[]) AS f(id, flags)
                WHERE r.id = f.id AND r.flags != f.flags
                """)
            for (account, value) in chunk { storedFlags[account] = value }
        }
    }

    /// The parts that write `chunk`: the pairs of the accounts they name that
    /// change (when this transaction knows the stored ones; all of them
    /// replaced otherwise, by a statement sent first), and their rows.
    func recordWrites(
        _ chunk: ArraySlice<(state: RecordState, createdBy: String, sequence: UInt64)>, into statement: inout PostgresStatement
    ) throws -> [String] {
        var gone: ([String], [String]) = ([], [])
        var added: ([String], [String]) = ([], [])
        var unknown: [String] = []
        for record in chunk {
            let id = record.state.id
            let accounts = Set(RecordIndex.accounts(of: record.state))
            let before: Set<RecordID>
            if notStored.contains(id) {
                before = []
            } else if let known = storedAccounts[id] {
                before = known
            } else {
                unknown.append(id.rawValue)
                before = []
            }
            for account in before.subtracting(accounts).sorted() {
                gone.0.append(id.rawValue)
                gone.1.append(account.rawValue)
            }
            for account in accounts.subtracting(before).sorted() {
                added.0.append(id.rawValue)
                added.1.append(account.rawValue)
            }
        }
        if !unknown.isEmpty { try session.send("DELETE FROM record_accounts WHERE record_id = ANY(\(unknown))") }
        var parts: [String] = []
        if !gone.0.isEmpty {
            parts.append("""
                DELETE FROM record_accounts WHERE (record_id, account_id) IN
                    (SELECT * FROM unnest(\(statement.bind(gone.0))::text[], \(statement.bind(gone.1))::text[]))
                """)
        }
        if !added.0.isEmpty {
            parts.append("""
                INSERT INTO record_accounts (record_id, account_id)
                SELECT * FROM unnest(\(statement.bind(added.0))::text[], \(statement.bind(added.1))::text[])
                """)
        }
        var tuples: [String] = []
        for record in chunk {
            let (state, index) = (record.state, RecordIndex(record.state))
            let values = [
                statement.bind(state.id.rawValue), statement.bind(state.kind.rawValue), statement.bind(optional: index.account?.rawValue),
                statement.bind(record.createdBy), statement.bind(index.visible), statement.bind(index.needsResolution),
                statement.bind(optional: state.kind == .account ? index.name : nil), statement.bind(optional: index.industry),
                statement.bind(optional: index.region), statement.bind(optional: index.owner), statement.bind(optional: index.tier),
                statement.bind(optional: index.stage), statement.bind(optional: index.share), statement.bind(optional: index.notes),
                try statement.bind(throwing: try encode(state)), statement.bind(try Self.stored(record.sequence)),
            ]
            tuples.append("(" + values.joined(separator: ", ") + ")")
        }
        parts.append("""
            INSERT INTO records (id, kind, account_id, created_by, visible, needs_resolution,
                                 name, industry, region, owner, tier, stage, share, notes, state, seq) VALUES
            \(tuples.joined(separator: ", "))
            ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, visible = excluded.visible,
                needs_resolution = excluded.needs_resolution, name = excluded.name, industry = excluded.industry,
                region = excluded.region, owner = excluded.owner, tier = excluded.tier, stage = excluded.stage,
                share = excluded.share, notes = excluded.notes, state = excluded.state, seq = excluded.seq
            """)
        for record in chunk {
            if notStored.remove(record.state.id) != nil { storedFlags[record.state.id] = Self.noFlags }
            remember(stored: record.state)
        }
        return parts
    }

    func setFlags(_ flags: [String], of account: RecordID) throws {
        // Nothing in a write transaction reads flags back: they are written with the next flush, when they change.
        let value = flags.isEmpty ? Self.noFlags : String(decoding: try SQLiteStore.encode(flags), as: UTF8.self)
        let stored = storedFlags[account] ?? (notStored.contains(account) ? Self.noFlags : nil)
        unsavedFlags[account] = value == stored ? nil : value
    }
}
