import Foundation
import GRDB
import KAMProtocol

/// An account, or records on it, that left this laptop in a sync.
public struct RemovedAccount: Hashable, Sendable, Codable {
    public var account: RecordID
    /// Its name as this laptop last knew it.
    public var name: String
    public var reason: Removal.Reason
    /// Its owners after the change, for a reassignment.
    public var owners: [String]
    /// How many records left with it (the account itself included when it went).
    public var records: Int
    /// Whether the account itself left, or only records that moved off it.
    public var accountRemoved: Bool
    /// This laptop's edits to it that the server did not accept: they stay in `kam refused`.
    public var refusedEdits: Int
}

extension RemovedAccount {
    /// One entry per account, from the entries of several pages.
    public static func merged(_ entries: [RemovedAccount]) -> [RemovedAccount] {
        var order: [RecordID] = []
        var byAccount: [RecordID: RemovedAccount] = [:]
        for entry in entries {
            guard var earlier = byAccount[entry.account] else {
                order.append(entry.account)
                byAccount[entry.account] = entry
                continue
            }
            earlier.records += entry.records
            earlier.accountRemoved = earlier.accountRemoved || entry.accountRemoved
            earlier.refusedEdits = max(earlier.refusedEdits, entry.refusedEdits)
            if entry.reason == .reassigned {
                earlier.reason = .reassigned
                earlier.owners = entry.owners
            }
            byAccount[entry.account] = earlier
        }
        return order.map { byAccount[$0]! }
    }
}

/// What storing one pull page did.
public struct AppliedPage: Hashable, Sendable {
    /// Records that changed here.
    public var changed = 0
    /// What left this laptop, by account.
    public var removed: [RemovedAccount] = []
}

extension ReplicaStore {
    /// The values of `fields` of `state`, as a refused edit keeps them; the
    /// deletion register is the field `deleted`.
    static func edits(of state: RecordState, fields: [String]) -> [String: FieldValue] {
        var edits: [String: FieldValue] = [:]
        for field in fields {
            if field == existenceField {
                edits["deleted"] = .text(state.status.isVisible ? "no" : "yes")
            } else if let value = state.displayValues[field] ?? state[field].values.first {
                edits[field] = value
            } else {
                edits[field] = .null
            }
        }
        return edits
    }

    /// The account a record is on (itself for an account) and that account's name, as this laptop knows them.
    static func account(of state: RecordState, _ db: Database) throws -> (id: RecordID?, name: String?) {
        guard let account = RecordIndex.accounts(of: state).first else { return (nil, nil) }
        return (account, try name(of: account, db))
    }

    static func name(of account: RecordID, _ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT name FROM records WHERE id = ?"), arguments: [account.rawValue])
    }

    /// Keeps a refused edit with its values, joined with what was kept of it before.
    static func keepRefusal(
        _ db: Database, record: RecordID, kind: RecordKind, field: String?, code: String, message: String,
        edits: [String: FieldValue], account: RecordID?, accountName: String?, removed: Bool, newRecord: Bool = false, at: Int64
    ) throws {
        var kept = edits
        if let text = try String.fetchOne(
            db, sql: "SELECT edits FROM refusals WHERE record_id = ? AND field = ?", arguments: [record.rawValue, field ?? ""]),
            let earlier = try? decode([String: FieldValue].self, Data(text.utf8))
        {
            kept = earlier.merging(edits) { _, new in new }
        }
        try db.execute(
            sql: """
                INSERT INTO refusals (record_id, field, kind, code, message, at, edits, account_id, account_name, removed, new_record)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (record_id, field) DO UPDATE SET code = excluded.code, message = excluded.message, at = excluded.at,
                    edits = excluded.edits, account_id = COALESCE(excluded.account_id, refusals.account_id),
                    account_name = COALESCE(excluded.account_name, refusals.account_name), removed = excluded.removed,
                    new_record = MAX(excluded.new_record, refusals.new_record)
                """,
            arguments: [
                record.rawValue, field ?? "", kind.rawValue, code, message, at, String(decoding: try encode(kept), as: UTF8.self),
                account?.rawValue, accountName, removed, newRecord,
            ])
    }

    /// Takes a record off this laptop. Its edits the server has not
    /// accepted are kept as refusals, with their values and the account's
    /// name, so nothing typed is lost. Returns whether the laptop held it.
    func remove(
        _ db: Database, _ id: RecordID, account: RecordID, accountName: String, code: String, message: String
    ) throws -> Bool {
        guard let state = try loadRecord(db, id) else { return false }
        let pending = try Self.pendingFields(db, id).sorted()
        let now = Timestamp.now().rawValue
        if !pending.isEmpty {
            try Self.keepRefusal(
                db, record: id, kind: state.kind, field: nil, code: code, message: message, edits: Self.edits(of: state, fields: pending),
                account: account, accountName: accountName, removed: true, at: now)
        }
        try db.execute(
            sql: """
                UPDATE refusals SET removed = 1, account_id = COALESCE(account_id, ?), account_name = COALESCE(account_name, ?)
                WHERE record_id = ?
                """,
            arguments: [account.rawValue, accountName, id.rawValue])
        try db.execute(sql: "DELETE FROM pending WHERE record_id = ?", arguments: [id.rawValue])
        try db.execute(sql: "DELETE FROM records WHERE id = ?", arguments: [id.rawValue])
        try db.execute(sql: "DELETE FROM refetch WHERE record_id = ?", arguments: [id.rawValue])
        return true
    }

    /// Applies a page's removals: the records leave this laptop, their
    /// unaccepted edits stay listed. Returns what left, by account.
    func apply(_ removals: [Removal], _ db: Database) throws -> [RemovedAccount] {
        var removed: [RecordID: RemovedAccount] = [:]
        var order: [RecordID] = []
        // Names first: an account may leave before the records on it in the same page.
        var names: [RecordID: String] = [:]
        for removal in removals where names[removal.account] == nil {
            names[removal.account] = try Self.name(of: removal.account, db) ?? removal.account.rawValue
        }
        for removal in removals {
            let name = names[removal.account] ?? removal.account.rawValue
            let (code, message) = Self.reason(removal, accountName: name)
            guard try remove(db, removal.id, account: removal.account, accountName: name, code: code, message: message) else { continue }
            if removed[removal.account] == nil {
                order.append(removal.account)
                removed[removal.account] = RemovedAccount(
                    account: removal.account, name: name, reason: removal.reason, owners: removal.owners, records: 0, accountRemoved: false,
                    refusedEdits: 0)
            }
            removed[removal.account]!.records += 1
            guard removal.kind == .account else { continue }
            removed[removal.account]!.accountRemoved = true
            // The server sends removals for the records it holds on this
            // account. A record with a refused edit that names it may be
            // elsewhere on the server (a refused move), or nowhere (a refused
            // creation): the laptop cannot tell, so it asks again after the
            // pull, and the answer keeps or removes it. A record never sent
            // leaves with its account.
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO refetch (record_id)
                    SELECT r.id FROM records r WHERE r.account_id = ? AND r.id IN (SELECT record_id FROM refusals)
                    """,
                arguments: [removal.id.rawValue])
            let local = try String.fetchAll(
                db,
                sql: """
                    SELECT r.id FROM records r WHERE r.account_id = ? AND r.id NOT IN (SELECT record_id FROM refusals)
                        AND r.id IN (SELECT record_id FROM pending)
                    """,
                arguments: [removal.id.rawValue])
            for id in local {
                guard let record = RecordID(rawValue: id), let state = try loadRecord(db, record),
                    !Self.hasSettled(state, pending: try Self.pendingFields(db, record))
                else { continue }
                var held = false
                for other in RecordIndex.accounts(of: state) where other != removal.id {
                    if try Int.fetchOne(db, sql: "SELECT 1 FROM records WHERE id = ?", arguments: [other.rawValue]) != nil { held = true }
                }
                guard !held else { continue }
                let message = Self.reason(Removal(kind: state.kind, id: record, account: removal.account, reason: removal.reason, owners: removal.owners), accountName: name).message
                if try remove(db, record, account: removal.account, accountName: name, code: code, message: message) {
                    removed[removal.account]!.records += 1
                }
            }
        }
        return try order.map { account in
            var entry = removed[account]!
            entry.refusedEdits = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM refusals WHERE account_id = ?", arguments: [account.rawValue]) ?? 0
            return entry
        }
    }

    /// The refusal code and message for edits kept when a record leaves.
    static func reason(_ removal: Removal, accountName name: String) -> (code: String, message: String) {
        switch removal.reason {
        case .reassigned:
            let owners = removal.owners.isEmpty ? "someone else" : removal.owners.joined(separator: " and ")
            return ("reassigned", "\(name) was reassigned to \(owners) and removed from this laptop: this edit was not sent. Hand it over (kam refused --json) or drop it")
        case .moved:
            return ("moved", "this \(removal.kind) moved from \(name) to an account you do not hold and was removed from this laptop: this edit was not sent. Hand it over (kam refused --json) or drop it")
        case .accessEnded:
            return ("access-ended", "\(name) is no longer yours and was removed from this laptop: this edit was not sent. Hand it over (kam refused --json) or drop it")
        }
    }

    /// Keeps owner changes for the accounts' history (a change sent twice is
    /// kept once): in the account's row, or waiting for the account when it
    /// is not on this laptop yet.
    static func store(_ changes: [OwnerChange], _ db: Database) throws {
        var order: [RecordID] = []
        var byAccount: [RecordID: [OwnerChange]] = [:]
        for change in changes {
            if byAccount[change.account] == nil { order.append(change.account) }
            byAccount[change.account, default: []].append(change)
        }
        for account in order {
            var history = try ownerChanges(of: account, db)
            let before = history.count
            for change in byAccount[account]! where !history.contains(change) { history.append(change) }
            guard history.count > before else { continue }
            let data = OwnerChange.encodeHistory(history)
            try db.cachedStatement(sql: "UPDATE records SET owners = ? WHERE id = ? AND kind = \(RecordKind.account.storedCode)").execute(arguments: [data, account.rawValue])
            if db.changesCount == 0 {
                try db.cachedStatement(
                    sql: "INSERT INTO owner_changes_waiting (account_id, changes) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET changes = excluded.changes"
                ).execute(arguments: [account.rawValue, data])
            }
        }
    }

    /// Moves the owner changes that came before `account` into its row.
    static func takeWaitingOwnerChanges(of account: RecordID, _ db: Database) throws {
        guard let data = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT changes FROM owner_changes_waiting WHERE account_id = ?"), arguments: [account.rawValue])
        else { return }
        try db.cachedStatement(sql: "UPDATE records SET owners = ? WHERE id = ?").execute(arguments: [data, account.rawValue])
        try db.cachedStatement(sql: "DELETE FROM owner_changes_waiting WHERE account_id = ?").execute(arguments: [account.rawValue])
    }

    /// The owner changes of `account`, in the order they arrived.
    static func ownerChanges(of account: RecordID, _ db: Database) throws -> [OwnerChange] {
        // One statement for both places the history can be.
        let row = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT (SELECT owners FROM records WHERE id = ?1 AND kind = \(RecordKind.account.storedCode)),
                       (SELECT changes FROM owner_changes_waiting WHERE account_id = ?1)
                """),
            arguments: [account.rawValue])
        guard let data = (row?[0] as Data?) ?? (row?[1] as Data?) else { return [] }
        return try OwnerChange.decodeHistory(data, account: account)
    }

    // MARK: Putting the server's value back

    /// The records whose refused edits were dropped and that wait for the server's state.
    public func recordsToFetch() throws -> [RecordID] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT record_id FROM refetch ORDER BY record_id").compactMap(RecordID.init(rawValue:))
        }
    }

    /// Puts the server's state of `asked` back on this laptop, from a fetch's
    /// answer. A field edited again since the refusal keeps that edit (it is
    /// still pending); a record the answer leaves out is not on the server, or
    /// not this user's to see, and leaves this laptop.
    /// Returns how many records got the server's state back.
    @discardableResult
    public func replace(_ asked: [RecordID], with answer: FetchAnswer) throws -> Int {
        try writer.write { db in
            let fetched = Dictionary(answer.records.map { ($0.id, $0) }, uniquingKeysWith: { $0.joined(with: $1) })
            var replaced = 0
            for id in asked {
                try db.execute(sql: "DELETE FROM refetch WHERE record_id = ?", arguments: [id.rawValue])
                guard let local = try loadRecord(db, id) else { continue }
                guard let server = fetched[id], server.kind == local.kind else {
                    let (account, name) = try Self.account(of: local, db)
                    _ = try remove(
                        db, id, account: account ?? id, accountName: name ?? id.rawValue, code: "not-on-server",
                        message: "the server does not hold this \(local.kind), or it is not yours to see: it was removed from this laptop")
                    continue
                }
                let pending = try Self.pendingFields(db, id)
                let kept = local.delta(
                    fields: pending.filter { $0 != Self.existenceField }, existence: pending.contains(Self.existenceField))
                let state = server.joined(with: kept)
                try store(db, state)
                for account in RecordIndex.accounts(of: state) { try refreshFlags(db, account: account) }
                replaced += 1
            }
            try Self.storeAuthors(answer.authors, db)
            return replaced
        }
    }

    static func storeAuthors(_ authors: [ReplicaID: String], _ db: Database) throws {
        for (replica, user) in authors {
            try db.execute(
                sql: "INSERT INTO authors (replica, user_name) VALUES (?, ?) ON CONFLICT (replica) DO UPDATE SET user_name = excluded.user_name",
                arguments: [replica.rawValue, user])
        }
    }
}
