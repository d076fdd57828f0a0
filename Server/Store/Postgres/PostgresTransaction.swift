import Foundation
import KAMProtocol
import NIOCore
import PostgresNIO

/// The storage primitives over one open PostgreSQL transaction.
///
/// Used from one thread at a time: the one ``PostgresStore`` runs the
/// transaction's body on.
final class PostgresTransaction: SyncTransaction {
    /// What a transaction may do, and so how it begins.
    enum Mode {
        /// A consistent snapshot that writes nothing.
        case read
        /// Writes, serialised with every other write on the feed's counter row.
        case write
        /// Schema changes, serialised with every other process's.
        case migrate
        /// Users and sessions: single-statement changes that need no order with the feed.
        case users
    }

    /// The connection, for what needs no order with the feed's writes.
    let connection: PostgresSession
    let mode: Mode
    /// Whether this write transaction holds the feed's counter row yet.
    var holdsCounter = false
    let numbers: PostgresReplicaNumbers
    /// Replica numbers read or given by this transaction, remembered once it commits.
    var learned: [ReplicaID: UInt64] = [:]
    /// Numbers read or given inside each open savepoint, kept for the
    /// transaction when the savepoint is released and dropped when it is undone.
    var learnedInSavepoints: [[ReplicaID: UInt64]] = []
    /// How many savepoints are open.
    var savepointDepth = 0
    /// Records saved by this transaction and not yet written, by id: written
    /// together (``flush()``) before anything reads records or the accounts
    /// they name, at a savepoint's edges and before the commit.
    var unsaved: [RecordID: (state: RecordState, createdBy: String, sequence: UInt64)] = [:]
    /// Review flags set by this transaction and not yet written (as stored: JSON text), by account.
    var unsavedFlags: [RecordID: String] = [:]
    /// Access rows read or written by this transaction, by account: a push
    /// asks for the same account's readers again and again.
    var accessRows: [RecordID: Set<String>] = [:]
    /// Share records read by this transaction, by account, as stored (decoded
    /// when asked for), until a share record is saved.
    var shareRecordsOf: [RecordID: [(id: RecordID, kind: String, state: Data)]] = [:]
    /// Roles read by this transaction (users change outside write transactions, if ever, and rarely).
    var knownRoles: [String: Role?] = [:]
    /// The feed's counter as this write transaction has it: read with the
    /// lock on its row, written once, before the commit.
    var counter = BufferedCounters()
    /// ``counter`` as each open savepoint found it, to go back to when it is undone.
    var countersAtSavepoints: [BufferedCounters] = []
    /// The accounts each record names and its kind, as its stored row has
    /// them (read or written by this transaction), so a flush writes only the
    /// pairs that change and a kind is not asked for twice.
    var storedAccounts: [RecordID: Set<RecordID>] = [:]
    var storedKinds: [RecordID: RecordKind] = [:]
    /// Records this transaction looked for and found no row of.
    var notStored: Set<RecordID> = []
    /// Each account's review flags as its stored row has them (as stored: JSON text).
    var storedFlags: [RecordID: String] = [:]
    /// The replicas of each user read by this transaction, with their highest counters as stored.
    var replicasOf: [String: [(info: ReplicaInfo, highestCounter: UInt64)]] = [:]

    /// The values a write transaction keeps in memory and writes before it
    /// commits: no statement of the transaction reads them back from the
    /// tables, and the lock on the feed's counter row keeps every other
    /// writer out until then.
    struct BufferedCounters {
        /// The newest sequence number handed out, and whether it changed.
        var sequence: UInt64 = 0
        var sequenceChanged = false
        /// Highest counters processed, by replica, not yet written.
        var highest: [ReplicaID: UInt64] = [:]
    }

    init(session: PostgresSession, mode: Mode, numbers: PostgresReplicaNumbers) {
        connection = session
        self.mode = mode
        self.numbers = numbers
    }

    /// The connection, once a write transaction holds the feed's counter row.
    ///
    /// Every write of every process locks that row before it reads or
    /// writes anything else, and holds it to its commit (see
    /// ``PostgresStore``); taken at the first statement that needs it, so a
    /// write that touches nothing the feed orders (``markSeen(_:at:)``) never waits for it.
    var session: PostgresSession {
        get throws {
            if mode == .write, !holdsCounter {
                let value = try connection.rows("SELECT value FROM sequence WHERE id = 1 FOR UPDATE").first?.decode(Int64.self) ?? 0
                counter.sequence = UInt64(max(0, value))
                holdsCounter = true
            }
            return connection
        }
    }

    /// A key no other program's advisory locks use: kam's schema changes.
    static let migrationLock: Int64 = 0x6B61_6D2D_6D69_6772

    /// Begins a transaction of `mode` on `session`, runs `body` and commits;
    /// rolls back and rethrows when anything throws.
    static func run<T>(
        _ session: PostgresSession, mode: Mode, schema: String?, numbers: PostgresReplicaNumbers,
        _ body: (PostgresTransaction) throws -> T
    ) throws -> T {
        // Sent without waiting: the first statement waited for reports how they went.
        switch mode {
        case .read: session.send("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        case .write, .migrate, .users: session.send("BEGIN ISOLATION LEVEL READ COMMITTED")
        }
        do {
            if let schema {
                let quoted = PostgresStore.quoted(schema)
                if mode == .migrate {
                    try session.query("SELECT pg_advisory_xact_lock(\(migrationLock))")
                    // Looked up with a snapshot taken after the lock was granted: CREATE SCHEMA IF NOT EXISTS
                    // judges by the catalog as this transaction last saw it, which may predate another
                    // process's migration that held the lock and made the schema.
                    if try session.rows("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)").isEmpty {
                        try session.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(quoted)"))
                    }
                }
                session.send(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(quoted)"))
            } else if mode == .migrate {
                try session.query("SELECT pg_advisory_xact_lock(\(migrationLock))")
            }
            let transaction = PostgresTransaction(session: session, mode: mode, numbers: numbers)
            let result = try body(transaction)
            try transaction.flush()
            try transaction.writeCounters()
            if mode == .read {
                // A snapshot that wrote nothing: its end needs no answer. The
                // connection runs it before anything its next lessee sends.
                try session.settle()
                session.send("COMMIT")
                numbers.remember(transaction.learned.map { ($0.key, $0.value) })
                return result
            }
            // PostgreSQL answers COMMIT in a transaction a failed statement aborted with ROLLBACK, and no error.
            let committed = try session.query("COMMIT")
            guard committed.metadata.command == "COMMIT" else { throw PostgresStoreError.rolledBack }
            numbers.remember(transaction.learned.map { ($0.key, $0.value) })
            return result
        } catch {
            session.abandon()
            do { try session.query("ROLLBACK") } catch {
                // A connection that cannot roll back is in no state to be reused.
                _ = session.connection.close() as EventLoopFuture<Void>
            }
            throw error
        }
    }

    /// A whole number the database holds as a signed 64-bit integer.
    static func stored(_ value: UInt64) throws -> Int64 {
        guard let stored = Int64(exactly: value) else { throw StorageError.outOfRange(value) }
        return stored
    }

    // MARK: Replicas

    static let replicaColumns = "SELECT id, user_name, registered_at, last_seen_at, revoked_at FROM replicas"

    static func replicaInfo(_ row: PostgresRow) throws -> ReplicaInfo? {
        let (id, user, registeredAt, lastSeenAt, revokedAt) = try row.decode((String, String, Int64, Int64?, Int64?).self)
        guard let id = ReplicaID(rawValue: id) else { return nil }
        return ReplicaInfo(id: id, user: user, registeredAt: registeredAt, lastSeenAt: lastSeenAt, revokedAt: revokedAt)
    }

    func replica(_ id: ReplicaID) throws -> ReplicaInfo? {
        for replicas in replicasOf.values { if let known = replicas.first(where: { $0.info.id == id }) { return known.info } }
        // With the other replicas of its user: a push asks for their counters next.
        var found: [(info: ReplicaInfo, highestCounter: UInt64)] = []
        for row in try session.execute(PreparedStatements.Replica(id: id.rawValue)) {
            let (id, user, registeredAt, lastSeenAt, revokedAt, highest) = try row.decode((String, String, Int64, Int64?, Int64?, Int64).self)
            guard let id = ReplicaID(rawValue: id) else { continue }
            let info = ReplicaInfo(id: id, user: user, registeredAt: registeredAt, lastSeenAt: lastSeenAt, revokedAt: revokedAt)
            found.append((info, UInt64(max(0, highest))))
        }
        guard let user = found.first?.info.user else { return nil }
        replicasOf[user] = found
        return found.first { $0.info.id == id }?.info
    }

    func replicas(user: String?) throws -> [ReplicaInfo] {
        let rows = if let user {
            try session.rows("\(unescaped: Self.replicaColumns) WHERE user_name = \(user) ORDER BY registered_at, id")
        } else {
            try session.rows("\(unescaped: Self.replicaColumns) ORDER BY user_name, registered_at, id")
        }
        return try rows.compactMap(Self.replicaInfo)
    }

    func activeReplicaCount(of user: String) throws -> Int {
        try session.rows("SELECT COUNT(*) FROM replicas WHERE user_name = \(user) AND revoked_at IS NULL")[0].decode(Int.self)
    }

    func revokeReplica(_ replica: ReplicaID, at: Int64) throws {
        replicasOf = [:]
        try session.send("UPDATE replicas SET revoked_at = \(at) WHERE id = \(replica.rawValue) AND revoked_at IS NULL")
    }

    func markSeen(_ replica: ReplicaID, at: Int64) throws {
        // A time stamp: no order with the feed, so no wait for the counter row.
        connection.send("UPDATE replicas SET last_seen_at = \(at) WHERE id = \(replica.rawValue)")
    }

    func replicaCounters(of user: String) throws -> [ReplicaID: UInt64] {
        var result: [ReplicaID: UInt64] = [:]
        if let known = replicasOf[user] {
            for replica in known where !replica.info.isRevoked { result[replica.info.id] = replica.highestCounter }
        } else {
            for row in try session.rows("SELECT id, highest_counter FROM replicas WHERE user_name = \(user) AND revoked_at IS NULL") {
                let (id, counter) = try row.decode((String, Int64).self)
                if let id = ReplicaID(rawValue: id) { result[id] = UInt64(max(0, counter)) }
            }
        }
        // Set by this transaction and not yet written.
        for (replica, counter) in counter.highest where result[replica] != nil { result[replica] = counter }
        return result
    }

    func replicaUsers(_ replicas: Set<ReplicaID>?) throws -> [ReplicaID: String] {
        var result: [ReplicaID: String] = [:]
        let rows: [PostgresRow]
        if let replicas {
            var unknown: [String] = []
            for replica in replicas {
                if let user = numbers.cachedUser(of: replica) { result[replica] = user } else { unknown.append(replica.rawValue) }
            }
            guard !unknown.isEmpty else { return result }
            rows = try session.rows("SELECT id, user_name FROM replicas WHERE id = ANY(\(unknown))")
        } else {
            rows = try session.rows("SELECT id, user_name FROM replicas")
        }
        var read: [(ReplicaID, String)] = []
        for row in rows {
            let (id, user) = try row.decode((String, String).self)
            if let id = ReplicaID(rawValue: id) {
                result[id] = user
                read.append((id, user))
            }
        }
        // A snapshot holds only committed registrations, and a replica's user never changes.
        if mode == .read { numbers.remember(users: read) }
        return result
    }

    func insertReplica(_ replica: ReplicaID, user: String, at: Int64) throws {
        replicasOf[user] = nil
        try session.send("INSERT INTO replicas (id, user_name, registered_at) VALUES (\(replica.rawValue), \(user), \(at))")
    }

    func setHighestCounter(_ counter: UInt64, of replica: ReplicaID) throws {
        guard mode == .write else {
            try session.query("UPDATE replicas SET highest_counter = \(try Self.stored(counter)) WHERE id = \(replica.rawValue)")
            return
        }
        _ = try Self.stored(counter)
        _ = try session
        self.counter.highest[replica] = counter
    }

    func replicas(numbered wanted: Set<UInt64>) throws -> [UInt64: ReplicaID] {
        var result: [UInt64: ReplicaID] = [:]
        for number in wanted { result[number] = try replica(numbered: number) }
        return result
    }

    // MARK: Records

    func record(_ id: RecordID) throws -> StoredRecord? {
        if let pending = unsaved[id] { return StoredRecord(state: pending.state, createdBy: pending.createdBy) }
        guard let row = try session.rows("SELECT kind, state, created_by FROM records WHERE id = \(id.rawValue)").first else { return nil }
        let (kind, state, createdBy) = try row.decode((String, Data, String).self)
        let record = StoredRecord(state: try decode(kind: kind, state: state, id: id), createdBy: createdBy)
        remember(stored: record.state)
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

    func roles(of users: Set<String>) throws -> [String: Role] {
        let unknown = users.filter { knownRoles[$0] == nil }
        if !unknown.isEmpty {
            for name in unknown { knownRoles[name] = .some(nil) }
            for row in try session.rows("SELECT name, role FROM users WHERE name = ANY(\(Array(unknown)))") {
                let (name, role) = try row.decode((String, String).self)
                knownRoles[name] = Role(rawValue: role)
            }
        }
        var result: [String: Role] = [:]
        for name in users { if let role = knownRoles[name] ?? nil { result[name] = role } }
        return result
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
        for id in ids { if let pending = unsaved[id] { found[id] = StoredRecord(state: pending.state, createdBy: pending.createdBy) } }
        let stored = ids.filter { found[$0] == nil }
        guard !stored.isEmpty else { return found }
        // With the access rows and share records of those that are accounts, in
        // one statement: a push asks for them account by account next.
        let access = stored.filter { accessRows[$0] == nil }
        var shares = stored.filter { shareRecordsOf[$0] == nil }
        // A share record waiting in the buffer is not in the table yet: those are read when asked for, after a flush.
        if unsaved.values.contains(where: { $0.state.kind == .shareRecord }) { shares = [] }
        for id in access { accessRows[id] = [] }
        for id in shares { shareRecordsOf[id] = [] }
        notStored.formUnion(stored)
        let rows = try session.execute(
            PreparedStatements.Batch(records: stored.map(\.rawValue), shareRecordsOf: shares.map(\.rawValue), accessRowsOf: access.map(\.rawValue)))
        for row in rows {
            let (part, key, kind, state, text, flags) = try row.decode((Int32, String, String?, Data?, String, String?).self)
            guard let key = RecordID(rawValue: key) else { continue }
            switch PreparedStatements.Batch.Part(rawValue: part) {
            case .record:
                guard let kind, let state else { continue }
                let record = StoredRecord(state: try decode(kind: kind, state: state, id: key), createdBy: text)
                found[key] = record
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
        for id in shares { shareRecordsOf[id]?.sort { $0.id < $1.id } }
        return found
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
        storedAccounts = [:]
        storedKinds = [:]
        notStored = []
        storedFlags = [:]
        replicasOf = [:]
    }

    func saveRecord(_ state: RecordState, createdBy: String, sequence: UInt64) throws {
        unsaved[state.id] = (state, createdBy, sequence)
        if state.kind == .shareRecord { shareRecordsOf = [:] }
    }

    /// Rows per statement when records are written together: PostgreSQL takes at most 65,535 parameters.
    static let flushRows = 1_000

    /// Writes the records and review flags saved since the last flush,
    /// usually in one statement, sent without waiting for its answer: the
    /// next statement waited for, or the commit, reports a failure.
    func flush() throws {
        try flushRecords()
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

    /// Writes the records saved since the last flush: their rows and the
    /// pairs of the accounts they name that changed, one statement per
    /// thousand records.
    func flushRecords() throws {
        guard !unsaved.isEmpty else { return }
        let pending = unsaved.values.sorted { $0.sequence < $1.sequence }
        unsaved = [:]
        for start in stride(from: 0, to: pending.count, by: Self.flushRows) {
            let chunk = pending[start..<min(start + Self.flushRows, pending.count)]
            // The accounts each record names: only the pairs that change, when
            // this transaction knows the stored ones; all of them replaced otherwise.
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
            var statement = PostgresStatement("")
            var parts: [String] = []
            if !gone.0.isEmpty {
                parts.append("""
                    gone AS (DELETE FROM record_accounts WHERE (record_id, account_id) IN
                        (SELECT * FROM unnest(\(statement.bind(gone.0))::text[], \(statement.bind(gone.1))::text[])))
                    """)
            }
            if !added.0.isEmpty {
                parts.append("""
                    added AS (INSERT INTO record_accounts (record_id, account_id)
                        SELECT * FROM unnest(\(statement.bind(added.0))::text[], \(statement.bind(added.1))::text[]))
                    """)
            }
            // Other tables than the main statement's, and pairs no other part touches: one statement holds them all.
            if !parts.isEmpty { statement.sql = "WITH " + parts.joined(separator: ",\n") + "\n" }
            statement.sql += """
                INSERT INTO records (id, kind, account_id, created_by, visible, needs_resolution,
                                     name, industry, region, owner, tier, stage, share, notes, state, seq) VALUES
                """
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
            statement.sql += tuples.joined(separator: ", ") + """

                ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, visible = excluded.visible,
                    needs_resolution = excluded.needs_resolution, name = excluded.name, industry = excluded.industry,
                    region = excluded.region, owner = excluded.owner, tier = excluded.tier, stage = excluded.stage,
                    share = excluded.share, notes = excluded.notes, state = excluded.state, seq = excluded.seq
                """
            try session.send(statement.query())
            for record in chunk {
                if notStored.remove(record.state.id) != nil { storedFlags[record.state.id] = Self.noFlags }
                remember(stored: record.state)
            }
        }
    }

    /// Writes the feed's counter and the highest counters this write
    /// transaction changed, in one statement sent just before its commit.
    func writeCounters() throws {
        guard mode == .write, counter.sequenceChanged || !counter.highest.isEmpty else { return }
        var statement = PostgresStatement("")
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
        if counter.sequenceChanged {
            parts.append("UPDATE sequence SET value = \(statement.bind(try Self.stored(counter.sequence))) WHERE id = 1")
        }
        // Two tables: one statement, the first part as a WITH.
        statement.sql = parts.count == 2 ? "WITH highest AS (\(parts[0]))\n\(parts[1])" : parts[0]
        try session.send(statement.query())
        counter.highest = [:]
        counter.sequenceChanged = false
    }

    // MARK: Access

    func accessUsers(of account: RecordID) throws -> Set<String> {
        if let known = accessRows[account] { return known }
        let users = Set(
            try session.rows("SELECT user_name FROM account_access WHERE account_id = \(account.rawValue)").map { try $0.decode(String.self) })
        accessRows[account] = users
        return users
    }

    func hasAccess(_ user: String, to account: RecordID) throws -> Bool {
        try accessUsers(of: account).contains(user)
    }

    func grantAccess(_ user: String, to account: RecordID) throws {
        try session.send("INSERT INTO account_access (account_id, user_name) VALUES (\(account.rawValue), \(user)) ON CONFLICT DO NOTHING")
        accessRows[account]?.insert(user)
    }

    func revokeAccess(_ user: String, to account: RecordID) throws {
        try session.send("DELETE FROM account_access WHERE account_id = \(account.rawValue) AND user_name = \(user)")
        accessRows[account]?.remove(user)
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

    func addRemoval(_ removal: Removal, for user: String, sequence: UInt64) throws {
        try session.send("""
            INSERT INTO removals (seq, user_name, record_id, kind, account_id, reason, owners)
            VALUES (\(try Self.stored(sequence)), \(user), \(removal.id.rawValue), \(removal.kind.rawValue),
                    \(removal.account.rawValue), \(removal.reason.rawValue), \(try SQLiteTransaction.list(removal.owners)))
            """)
    }

    func addOwnerChange(_ change: OwnerChange, sequence: UInt64) throws {
        try session.send("""
            INSERT INTO owner_changes (seq, account_id, at, by_user, from_owners, to_owners)
            VALUES (\(try Self.stored(sequence)), \(change.account.rawValue), \(change.at.rawValue), \(change.by),
                    \(try SQLiteTransaction.list(change.from)), \(try SQLiteTransaction.list(change.to)))
            """)
    }

    func setSetting(_ key: String, _ value: String) throws {
        try session.send("INSERT INTO settings (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    }

    func setting(_ key: String) throws -> String? {
        try session.rows("SELECT value FROM settings WHERE key = \(key)").first?.decode(String.self)
    }

    func removals(since: UInt64, limit: Int, user: String) throws -> [Sequenced<Removal>] {
        let rows = try session.rows("""
            SELECT seq, record_id, kind, account_id, reason, owners FROM removals
            WHERE user_name = \(user) AND seq > \(try Self.stored(since)) ORDER BY seq LIMIT \(limit)
            """)
        return try rows.compactMap { row in
            let (seq, record, kind, account, reason, owners) = try row.decode((Int64, String, String, String, String, String).self)
            guard let id = RecordID(rawValue: record), let kind = RecordKind(rawValue: kind),
                let account = RecordID(rawValue: account), let reason = Removal.Reason(rawValue: reason)
            else { return nil }
            return Sequenced(
                sequence: UInt64(seq),
                change: Removal(kind: kind, id: id, account: account, reason: reason, owners: try SQLiteTransaction.list(owners)))
        }
    }

    func ownerChanges(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [Sequenced<OwnerChange>] {
        let since = try Self.stored(since)
        let rows: [PostgresRow]
        switch scope {
        case .everything:
            rows = try session.rows("""
                SELECT oc.seq, oc.account_id, oc.at, oc.by_user, oc.from_owners, oc.to_owners FROM owner_changes oc
                WHERE oc.seq > \(since) ORDER BY oc.seq LIMIT \(limit)
                """)
        case .accessRows(let user):
            rows = try session.rows("""
                SELECT oc.seq, oc.account_id, oc.at, oc.by_user, oc.from_owners, oc.to_owners FROM owner_changes oc
                WHERE oc.seq > \(since)
                AND EXISTS (SELECT 1 FROM account_access aa WHERE aa.account_id = oc.account_id AND aa.user_name = \(user))
                ORDER BY oc.seq LIMIT \(limit)
                """)
        }
        return try rows.map { row in
            let (seq, account, at, by, from, to) = try row.decode((Int64, String, Int64, String, String, String).self)
            return Sequenced(sequence: UInt64(seq), change: try Self.ownerChange(account: account, at: at, by: by, from: from, to: to))
        }
    }

    func ownerChanges(of account: RecordID) throws -> [OwnerChange] {
        try session.rows("""
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

    func setFlags(_ flags: [String], of account: RecordID) throws {
        // Nothing in a write transaction reads flags back: they are written with the next flush, when they change.
        let value = flags.isEmpty ? Self.noFlags : String(decoding: try SQLiteStore.encode(flags), as: UTF8.self)
        let stored = storedFlags[account] ?? (notStored.contains(account) ? Self.noFlags : nil)
        unsavedFlags[account] = value == stored ? nil : value
    }

    // MARK: The feed

    func sequence() throws -> UInt64 {
        // A write transaction read it with the lock on its row.
        if mode == .write {
            _ = try session
            return counter.sequence
        }
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

    func feed(since: UInt64, limit: Int, scope: AccessScope, gap: UInt64) throws -> [FeedRow] {
        try flush()
        let since = try Self.stored(since)
        let rows: [PostgresRow]
        switch scope {
        case .everything:
            rows = try session.execute(PreparedStatements.Feed(since: since, limit: Int64(limit)))
        case .accessRows(let user):
            // A record is in scope when the user holds any account it names (more than one only while its account is in conflict).
            // Not prepared: the best plan depends on the user's territory and the gap, so it is planned each time.
            rows = try session.rows("""
                SELECT r.id, r.kind, r.state, r.seq FROM records r WHERE r.seq > \(since) AND EXISTS (
                    SELECT 1 FROM record_accounts ra JOIN account_access aa ON aa.account_id = ra.account_id AND aa.user_name = \(user)
                    WHERE ra.record_id = r.id)
                ORDER BY r.seq LIMIT \(limit)
                """)
        }
        return try rows.compactMap { row in
            let (id, kind, state, seq) = try row.decode((String, String, Data, Int64).self)
            guard let id = RecordID(rawValue: id), let kind = RecordKind(rawValue: kind) else { return nil }
            return FeedRow(record: EncodedRecord(kind: kind, id: id, bytes: state), sequence: UInt64(seq))
        }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        // What was saved before the savepoint is written before it, so undoing it undoes only its own.
        try flush()
        savepointDepth += 1
        let name = "kam_\(savepointDepth)"
        defer { savepointDepth -= 1 }
        try session.send(PostgresQuery(unsafeSQL: "SAVEPOINT \(name)"))
        learnedInSavepoints.append([:])
        countersAtSavepoints.append(counter)
        do {
            let result = try body()
            try flush()
            // Everything the savepoint wrote answered: a failure undoes it alone.
            try connection.settle()
            // Kept, not released: the transaction's next statement may as well
            // not wait for one more answer, and the commit keeps all of it.
            countersAtSavepoints.removeLast()
            // What it learned stands or falls with the transaction around it.
            let kept = learnedInSavepoints.removeLast()
            if learnedInSavepoints.isEmpty {
                learned.merge(kept) { _, new in new }
            } else {
                learnedInSavepoints[learnedInSavepoints.count - 1].merge(kept) { _, new in new }
            }
            return result
        } catch {
            // What the savepoint buffered or read of the access rows goes with it.
            unsaved = [:]
            unsavedFlags = [:]
            accessRows = [:]
            shareRecordsOf = [:]
            forgetStoredRows()
            counter = countersAtSavepoints.removeLast()
            learnedInSavepoints.removeLast()
            connection.abandon()
            try session.query(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(name)"))
            throw error
        }
    }

    // MARK: Refusals

    func refusals(replica: ReplicaID, counters: [UInt64]) throws -> [RememberedRefusal] {
        let stored = counters.compactMap { Int64(exactly: $0) }
        guard !stored.isEmpty else { return [] }
        let rows = try session.rows("""
            SELECT counter, record_id, kind, field, code, message FROM refusals
            WHERE replica = \(replica.rawValue) AND counter = ANY(\(stored))
            """)
        var found: [Int64: RememberedRefusal] = [:]
        for row in rows {
            let (counter, record, kind, field, code, message) = try row.decode((Int64, String, String, String?, String, String).self)
            guard let id = RecordID(rawValue: record), let kind = RecordKind(rawValue: kind) else { continue }
            found[counter] = RememberedRefusal(
                dot: Dot(replica: replica, counter: UInt64(counter)), record: id,
                refusal: PushRefusal(kind: kind, id: id, field: field, code: code, message: message))
        }
        // In the order asked, as the embedded store answers.
        return stored.compactMap { found[$0] }
    }

    func remember(_ refusals: [RememberedRefusal]) throws {
        for remembered in refusals {
            try session.send("""
                INSERT INTO refusals (replica, counter, record_id, kind, field, code, message)
                VALUES (\(remembered.dot.replica.rawValue), \(try Self.stored(remembered.dot.counter)), \(remembered.record.rawValue),
                        \(remembered.refusal.kind.rawValue), \(remembered.refusal.field), \(remembered.refusal.code),
                        \(remembered.refusal.message))
                ON CONFLICT (replica, counter) DO UPDATE SET record_id = excluded.record_id, kind = excluded.kind,
                    field = excluded.field, code = excluded.code, message = excluded.message
                """)
        }
    }
}

/// A PostgreSQL transaction that did not commit.
enum PostgresStoreError: Error, CustomStringConvertible {
    case rolledBack

    var description: String {
        switch self {
        case .rolledBack: "PostgreSQL rolled the transaction back instead of committing it: an earlier statement in it failed"
        }
    }
}
