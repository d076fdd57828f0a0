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
        try readChanges(since: since, limit: limit, scope: scope, counter: false, records: true, removalsFor: nil, ownerChanges: false).records
    }

    func removals(since: UInt64, limit: Int, user: String) throws -> [Sequenced<Removal>] {
        try readChanges(since: since, limit: limit, scope: .everything, counter: false, records: false, removalsFor: user, ownerChanges: false).removals
    }

    func ownerChanges(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [Sequenced<OwnerChange>] {
        try readChanges(since: since, limit: limit, scope: scope, counter: false, records: false, removalsFor: nil, ownerChanges: true)
            .ownerChanges
    }

    /// A pull's reads in one statement: the counter, the feed, the removals
    /// and the owner changes, in one snapshot (a read transaction's, or a
    /// write's under the counter row).
    func changes(since: UInt64, limit: Int, scope: AccessScope, removalsFor user: String?, ownerChanges: Bool) throws -> FeedChanges {
        var read = try readChanges(
            since: since, limit: limit, scope: scope, counter: mode != .write, records: true, removalsFor: user, ownerChanges: ownerChanges)
        if mode == .write { read.current = try sequence() }
        // A cursor past the counter reads nothing.
        return since <= read.current ? read : FeedChanges(current: read.current)
    }

    /// What a row of the statement ``readChanges(since:limit:scope:counter:records:removalsFor:ownerChanges:)`` reads is.
    enum ChangePart: Int32 {
        /// `value` of the counter, in `seq`.
        case counter = 0
        /// `seq, id, kind, state` of a record.
        case record = 1
        /// `seq, id (record_id), kind, account (account_id), text (reason), from (owners)` of a removal.
        case removal = 2
        /// `seq, account (account_id), text (by_user), from (from_owners), to (to_owners), at` of an owner change.
        case ownerChange = 3
    }

    /// The parts asked for, above `since`, up to `limit` each, in one
    /// statement: a `UNION ALL` of one shape, every NULL typed whichever parts
    /// are asked, `part` first (``ChangePart``). Not prepared: which plan
    /// reads the fewest rows depends on the user's territory and the gap.
    func readChanges(
        since: UInt64, limit: Int, scope: AccessScope, counter: Bool, records: Bool, removalsFor user: String?, ownerChanges: Bool
    ) throws -> FeedChanges {
        try flush()
        var statement = PostgresStatement("")
        let since = statement.bind(try Self.stored(since))
        let limit = statement.bind(Int64(limit))
        let scoped = if case .accessRows(let user) = scope { statement.bind(user) } else { nil as String? }
        var parts: [String] = []
        if counter {
            parts.append("SELECT 0, value, NULL::text, NULL::text, NULL::bytea, NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint FROM sequence WHERE id = 1")
        }
        if records {
            // A record is in scope when the user holds any account it names (more than one only while its account is in conflict).
            let inScope = scoped.map { """
                AND EXISTS (SELECT 1 FROM record_accounts ra JOIN account_access aa ON aa.account_id = ra.account_id AND aa.user_name = \($0)
                            WHERE ra.record_id = r.id)
                """ } ?? ""
            parts.append("""
                SELECT 1, r.seq, r.id, r.kind, r.state, NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint FROM records r
                WHERE r.seq > \(since) \(inScope) ORDER BY r.seq LIMIT \(limit)
                """)
        }
        if let user {
            parts.append("""
                SELECT 2, seq, record_id, kind, NULL::bytea, account_id, reason, owners, NULL::text, NULL::bigint FROM removals
                WHERE user_name = \(statement.bind(user)) AND seq > \(since) ORDER BY seq LIMIT \(limit)
                """)
        }
        if ownerChanges {
            let inScope = scoped.map { "AND EXISTS (SELECT 1 FROM account_access aa WHERE aa.account_id = oc.account_id AND aa.user_name = \($0))" } ?? ""
            parts.append("""
                SELECT 3, oc.seq, NULL::text, NULL::text, NULL::bytea, oc.account_id, oc.by_user, oc.from_owners, oc.to_owners, oc.at FROM owner_changes oc
                WHERE oc.seq > \(since) \(inScope) ORDER BY oc.seq LIMIT \(limit)
                """)
        }
        statement.sql = parts.map { "(\($0))" }.joined(separator: "\nUNION ALL\n")
        var read = FeedChanges(current: 0)
        for row in try session.rows(statement.query()) {
            let (part, seq, id, kind, state, account, text, from, to, at) = try row.decode(
                (Int32, Int64, String?, String?, Data?, String?, String?, String?, String?, Int64?).self)
            switch ChangePart(rawValue: part) {
            case .counter:
                read.current = UInt64(max(0, seq))
            case .record:
                guard let id = id.flatMap(RecordID.init), let kind = kind.flatMap(RecordKind.init), let state else { continue }
                read.records.append(FeedRow(record: EncodedRecord(kind: kind, id: id, bytes: state), sequence: UInt64(seq)))
            case .removal:
                guard let id = id.flatMap(RecordID.init), let kind = kind.flatMap(RecordKind.init),
                    let account = account.flatMap(RecordID.init), let reason = text.flatMap(Removal.Reason.init), let from
                else { continue }
                read.removals.append(Sequenced(
                    sequence: UInt64(seq),
                    change: Removal(kind: kind, id: id, account: account, reason: reason, owners: try SQLiteTransaction.list(from))))
            case .ownerChange:
                guard let account, let text, let from, let to, let at else { continue }
                read.ownerChanges.append(Sequenced(
                    sequence: UInt64(seq), change: try Self.ownerChange(account: account, at: at, by: text, from: from, to: to)))
            case nil:
                continue
            }
        }
        // UNION ALL keeps no order across its parts.
        read.records.sort { $0.sequence < $1.sequence }
        read.removals.sort { $0.sequence < $1.sequence }
        read.ownerChanges.sort { $0.sequence < $1.sequence }
        return read
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
