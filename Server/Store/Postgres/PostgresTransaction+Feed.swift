import Foundation
import KAMProtocol
import PostgresNIO

/// The feed: its counter, sequence numbers, removals, owner changes and settings.
extension PostgresTransaction {
    /// The parts that write the feed's counter and the highest counters this
    /// write transaction changed: once, just before its commit.
    func counterWrites(into statement: inout PostgresStatement) throws -> [String] {
        guard mode == .write else { return [] }
        var parts: [String] = []
        if !counter.highest.isEmpty {
            let highest = counter.highest.sorted { $0.key < $1.key }
            let values = try highest.map { try Self.stored($0.value) }
            parts.append("""
                UPDATE replicas r SET highest_counter = c.counter
                FROM unnest(\(statement.bind(highest.map(\.key.rawValue)))::text[], \(statement.bind(values))::bigint[]) AS c(id, counter)
                WHERE r.id = c.id
                """)
        }
        if counter.sequenceChanged, let sequence = counter.sequence {
            parts.append("UPDATE sequence SET value = \(statement.bind(try Self.stored(sequence))) WHERE id = 1")
        }
        counter.highest = [:]
        counter.sequenceChanged = false
        return parts
    }

    /// The parts that write the access rows, owner changes and removals added since the last flush.
    func feedWrites(into statement: inout PostgresStatement) throws -> [String] {
        var parts: [String] = []
        let access = unsavedAccess.sorted { $0.key < $1.key }
        unsavedAccess = [:]
        let granted = access.filter(\.value).map(\.key)
        let revoked = access.filter { !$0.value }.map(\.key)
        if !granted.isEmpty {
            parts.append("""
                INSERT INTO account_access (account_id, user_name)
                SELECT * FROM unnest(\(statement.bind(granted.map(\.account.rawValue)))::text[], \(statement.bind(granted.map(\.user)))::text[])
                ON CONFLICT DO NOTHING
                """)
        }
        if !revoked.isEmpty {
            parts.append("""
                DELETE FROM account_access WHERE (account_id, user_name) IN
                    (SELECT * FROM unnest(\(statement.bind(revoked.map(\.account.rawValue)))::text[], \(statement.bind(revoked.map(\.user)))::text[]))
                """)
        }
        if !unsavedOwnerChanges.isEmpty {
            let changes = unsavedOwnerChanges
            unsavedOwnerChanges = []
            // In the order they were added: their ids order an account's history.
            parts.append("""
                INSERT INTO owner_changes (seq, account_id, at, by_user, from_owners, to_owners)
                SELECT seq, account_id, at, by_user, from_owners, to_owners FROM unnest(
                    \(statement.bind(try changes.map { try Self.stored($0.sequence) }))::bigint[],
                    \(statement.bind(changes.map(\.change.account.rawValue)))::text[],
                    \(statement.bind(changes.map(\.change.at.rawValue)))::bigint[],
                    \(statement.bind(changes.map(\.change.by)))::text[],
                    \(statement.bind(try changes.map { try SQLiteTransaction.list($0.change.from) }))::text[],
                    \(statement.bind(try changes.map { try SQLiteTransaction.list($0.change.to) }))::text[]
                ) WITH ORDINALITY AS c(seq, account_id, at, by_user, from_owners, to_owners, n) ORDER BY n
                """)
        }
        if !unsavedRemovals.isEmpty {
            let removals = unsavedRemovals
            unsavedRemovals = []
            parts.append("""
                INSERT INTO removals (seq, user_name, record_id, kind, account_id, reason, owners)
                SELECT * FROM unnest(
                    \(statement.bind(try removals.map { try Self.stored($0.sequence) }))::bigint[],
                    \(statement.bind(removals.map(\.user)))::text[],
                    \(statement.bind(removals.map(\.removal.id.rawValue)))::text[],
                    \(statement.bind(removals.map(\.removal.kind.rawValue)))::text[],
                    \(statement.bind(removals.map(\.removal.account.rawValue)))::text[],
                    \(statement.bind(removals.map(\.removal.reason.rawValue)))::text[],
                    \(statement.bind(try removals.map { try SQLiteTransaction.list($0.removal.owners) }))::text[]
                )
                """)
        }
        return parts
    }

    func resequence(account: RecordID, after sequence: UInt64) throws -> UInt64 {
        try flush()
        // Records and owner changes keep their order among each other.
        let keys = try session.rows("""
            SELECT r.seq, r.id, NULL::bigint FROM record_accounts ra JOIN records r ON r.id = ra.record_id
            WHERE ra.account_id = \(account.rawValue)
            UNION ALL SELECT seq, NULL, id FROM owner_changes WHERE account_id = \(account.rawValue)
            ORDER BY 1
            """)
        var next = sequence
        for key in keys {
            next += 1
            let (_, record, change) = try key.decode((Int64, String?, Int64?).self)
            if let change {
                try session.send("UPDATE owner_changes SET seq = \(try Self.stored(next)) WHERE id = \(change)")
            } else if let record {
                try session.send("UPDATE records SET seq = \(try Self.stored(next)) WHERE id = \(record)")
            }
        }
        return next
    }

    func resequence(record: RecordID, after sequence: UInt64) throws -> UInt64 {
        try flush()
        guard try kind(of: record) != nil else { return sequence }
        try session.send("UPDATE records SET seq = \(try Self.stored(sequence + 1)) WHERE id = \(record.rawValue)")
        return sequence + 1
    }

    // Added in memory, written with the next flush: every read of these tables flushes first.

    func addRemoval(_ removal: Removal, for user: String, sequence: UInt64) throws {
        _ = try Self.stored(sequence)
        unsavedRemovals.append((removal, user, sequence))
    }

    func addOwnerChange(_ change: OwnerChange, sequence: UInt64) throws {
        _ = try Self.stored(sequence)
        unsavedOwnerChanges.append((change, sequence))
    }

    func setSetting(_ key: String, _ value: String) throws {
        try session.send("INSERT INTO settings (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    }

    func setting(_ key: String) throws -> String? {
        try session.rows("SELECT value FROM settings WHERE key = \(key)").first?.decode(String.self)
    }

    func removals(since: UInt64, limit: Int, user: String) throws -> [Sequenced<Removal>] {
        try flush()
        return try session.rows(try Self.removalsQuery(since: since, limit: limit, user: user)).compactMap(Self.removal)
    }

    static func removalsQuery(since: UInt64, limit: Int, user: String) throws -> PostgresQuery {
        """
        SELECT seq, record_id, kind, account_id, reason, owners FROM removals
        WHERE user_name = \(user) AND seq > \(try stored(since)) ORDER BY seq LIMIT \(limit)
        """
    }

    static func removal(_ row: PostgresRow) throws -> Sequenced<Removal>? {
        let (seq, record, kind, account, reason, owners) = try row.decode((Int64, String, String, String, String, String).self)
        guard let id = RecordID(rawValue: record), let kind = RecordKind(rawValue: kind),
            let account = RecordID(rawValue: account), let reason = Removal.Reason(rawValue: reason)
        else { return nil }
        return Sequenced(
            sequence: UInt64(seq),
            change: Removal(kind: kind, id: id, account: account, reason: reason, owners: try SQLiteTransaction.list(owners)))
    }

    func ownerChanges(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [Sequenced<OwnerChange>] {
        try flush()
        return try session.rows(try Self.ownerChangesQuery(since: since, limit: limit, scope: scope)).map(Self.sequencedOwnerChange)
    }

    static func ownerChangesQuery(since: UInt64, limit: Int, scope: AccessScope) throws -> PostgresQuery {
        let since = try stored(since)
        switch scope {
        case .everything:
            return """
                SELECT oc.seq, oc.account_id, oc.at, oc.by_user, oc.from_owners, oc.to_owners FROM owner_changes oc
                WHERE oc.seq > \(since) ORDER BY oc.seq LIMIT \(limit)
                """
        case .accessRows(let user):
            return """
                SELECT oc.seq, oc.account_id, oc.at, oc.by_user, oc.from_owners, oc.to_owners FROM owner_changes oc
                WHERE oc.seq > \(since)
                AND EXISTS (SELECT 1 FROM account_access aa WHERE aa.account_id = oc.account_id AND aa.user_name = \(user))
                ORDER BY oc.seq LIMIT \(limit)
                """
        }
    }

    static func sequencedOwnerChange(_ row: PostgresRow) throws -> Sequenced<OwnerChange> {
        let (seq, account, at, by, from, to) = try row.decode((Int64, String, Int64, String, String, String).self)
        return Sequenced(sequence: UInt64(seq), change: try ownerChange(account: account, at: at, by: by, from: from, to: to))
    }

    func ownerChanges(of account: RecordID) throws -> [OwnerChange] {
        try flush()
        return try session.rows("""
            SELECT account_id, at, by_user, from_owners, to_owners FROM owner_changes WHERE account_id = \(account.rawValue) ORDER BY id
            """
        ).map { row in
            let (account, at, by, from, to) = try row.decode((String, Int64, String, String, String).self)
            return try Self.ownerChange(account: account, at: at, by: by, from: from, to: to)
        }
    }

    static func ownerChange(account: String, at: Int64, by: String, from: String, to: String) throws -> OwnerChange {
        OwnerChange(
            account: RecordID(rawValue: account) ?? RecordID(rawValue: "unknown")!, at: Timestamp(rawValue: at), by: by,
            from: try SQLiteTransaction.list(from), to: try SQLiteTransaction.list(to))
    }

    func feed(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [FeedRow] {
        try flush()
        let rows: [PostgresRow]
        switch scope {
        case .everything: rows = try session.execute(PreparedStatements.Feed(since: try Self.stored(since), limit: Int64(limit)))
        case .accessRows: rows = try session.rows(try Self.feedQuery(since: since, limit: limit, scope: scope))
        }
        return try rows.compactMap(Self.feedRow)
    }

    static func feedQuery(since: UInt64, limit: Int, scope: AccessScope) throws -> PostgresQuery {
        let since = try stored(since)
        switch scope {
        case .everything:
            return "SELECT r.id, r.kind, r.state, r.seq FROM records r WHERE r.seq > \(since) ORDER BY r.seq LIMIT \(limit)"
        case .accessRows(let user):
            // A record is in scope when the user holds any account it names (more than one only while its account is in conflict).
            // Not prepared: the best plan depends on the user's territory and the gap, so it is planned each time.
            return """
                SELECT r.id, r.kind, r.state, r.seq FROM records r WHERE r.seq > \(since) AND EXISTS (
                    SELECT 1 FROM record_accounts ra JOIN account_access aa ON aa.account_id = ra.account_id AND aa.user_name = \(user)
                    WHERE ra.record_id = r.id)
                ORDER BY r.seq LIMIT \(limit)
                """
        }
    }

    static func feedRow(_ row: PostgresRow) throws -> FeedRow? {
        let (id, kind, state, seq) = try row.decode((String, String, Data, Int64).self)
        guard let id = RecordID(rawValue: id), let kind = RecordKind(rawValue: kind) else { return nil }
        return FeedRow(record: EncodedRecord(kind: kind, id: id, bytes: state), sequence: UInt64(seq))
    }

    /// A pull's reads sent together and waited for once: the counter, the
    /// feed, the removals and the owner changes, in one snapshot (a read
    /// transaction's, or a write's under the counter row).
    func changes(since: UInt64, limit: Int, scope: AccessScope, removalsFor user: String?, ownerChanges: Bool) throws -> FeedChanges {
        try flush()
        var queries: [PostgresQuery] = []
        if mode != .write { queries.append("SELECT value FROM sequence WHERE id = 1") }
        queries.append(try Self.feedQuery(since: since, limit: limit, scope: scope))
        if let user { queries.append(try Self.removalsQuery(since: since, limit: limit, user: user)) }
        if ownerChanges { queries.append(try Self.ownerChangesQuery(since: since, limit: limit, scope: scope)) }
        var answers = try session.pipelined(queries)[...]
        let current = mode == .write
            ? try sequence() : UInt64(max(0, try answers.removeFirst().rows.first?.decode(Int64.self) ?? 0))
        // A cursor past the counter reads nothing: the rows are dropped unread.
        guard since <= current else { return FeedChanges(current: current) }
        return FeedChanges(
            current: current, records: try answers.removeFirst().rows.compactMap(Self.feedRow),
            removals: user == nil ? [] : try answers.removeFirst().rows.compactMap(Self.removal),
            ownerChanges: ownerChanges ? try answers.removeFirst().rows.map(Self.sequencedOwnerChange) : [])
    }

    func sequence() throws -> UInt64 {
        // A write transaction reads it with the lock on its row.
        if mode == .write { return try lockedSequence() }
        return UInt64(max(0, try session.rows("SELECT value FROM sequence WHERE id = 1").first?.decode(Int64.self) ?? 0))
    }

    func setSequence(_ sequence: UInt64) throws {
        guard mode == .write else {
            try session.query("UPDATE sequence SET value = \(try Self.stored(sequence)) WHERE id = 1")
            return
        }
        _ = try Self.stored(sequence)
        _ = try session
        counter.sequence = sequence
        counter.sequenceChanged = true
    }
}
