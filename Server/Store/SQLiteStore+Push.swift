import Foundation
import GRDB
import KAMFaults
import KAMProtocol

extension SQLiteStore {
    public func push(_ request: PushRequest, by user: User) async throws -> PushAcknowledgement {
        guard KAMProtocolVersion.supported.contains(request.protocolVersion) else {
            throw SyncError.unsupportedProtocolVersion(request.protocolVersion)
        }
        guard user.role.mayPush else { throw SyncError.pushForbidden(user.role) }
        let batch = try Self.prepare(request.records)
        let outcome = try await writer.write { db in
            let outcome = try Self.push(db, batch: batch, replica: request.replica, user: user)
            CrashPoint.beforePushCommit.reach()
            return outcome
        }
        logger.debug(
            "merged",
            metadata: ["user": "\(user.name)", "replica": "\(request.replica)", "changed": "\(outcome.changed)"])
        return outcome.acknowledgement
    }

    struct PushOutcome {
        var acknowledgement: PushAcknowledgement
        var changed = 0
    }

    /// Checks every pushed value against its schema and joins repeated records.
    /// Accounts come first, so a record pushed with its new account in one
    /// batch finds it, whatever the order in the batch.
    static func prepare(_ records: [RecordState]) throws -> [RecordState] {
        var order: [RecordID] = []
        var byID: [RecordID: RecordState] = [:]
        for record in records {
            do { try record.kind.schema.check(record) } catch {
                throw SyncError.invalidValue(kind: record.kind, id: record.id, error)
            }
            if let earlier = byID[record.id] {
                guard earlier.kind == record.kind else {
                    throw SyncError.kindMismatch(id: record.id, stored: earlier.kind, pushed: record.kind)
                }
                byID[record.id] = earlier.joined(with: record)
            } else {
                order.append(record.id)
                byID[record.id] = record
            }
        }
        let records = order.map { byID[$0]! }
        return records.filter { $0.kind == .account } + records.filter { $0.kind != .account }
    }

    static func push(_ db: Database, batch: [RecordState], replica: ReplicaID, user: User) throws -> PushOutcome {
        guard let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT user_name FROM replicas WHERE id = ?"), arguments: [replica.rawValue]) else {
            throw SyncError.replicaNotRegistered(replica)
        }
        guard owner == user.name else { throw SyncError.replicaOfAnotherUser(replica) }
        var highest: [ReplicaID: UInt64] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, highest_counter FROM replicas WHERE user_name = ?"), arguments: [user.name]) {
            if let id = ReplicaID(rawValue: row["id"]) { highest[id] = UInt64(row["highest_counter"] as Int64) }
        }
        let check = HistoryCheck(pusherReplicas: Set(highest.keys), highestCounters: highest)

        // Nothing is merged from a push that forges history anywhere.
        var stored: [RecordID: StoredRecord] = [:]
        for pushed in batch {
            let before = try loadRecord(db, pushed.id)
            if let before, before.state.kind != pushed.kind {
                throw SyncError.kindMismatch(id: pushed.id, stored: before.state.kind, pushed: pushed.kind)
            }
            if let violation = check.violation(in: pushed, stored: before?.state) { throw SyncError.history(violation) }
            stored[pushed.id] = before
        }

        var sequence = try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM sequence WHERE id = 1")) ?? 0
        var outcome = PushOutcome(acknowledgement: PushAcknowledgement(accepted: 0, refused: [], sequence: 0))
        var processed: [ReplicaID: UInt64] = [:]
        // The accounts whose flags need a new look, with their merged state when this batch holds it.
        var touchedAccounts: [RecordID: RecordState?] = [:]
        for pushed in batch {
            let before = stored[pushed.id]
            // Refused writes still count as processed: their counters are spent.
            processed.merge(HistoryCheck.newCounters(in: pushed, stored: before?.state), uniquingKeysWith: max)
            if let refusal = try refusal(db, user: user, pushed: pushed, stored: before) {
                outcome.acknowledgement.refused.append(refusal)
                continue
            }
            let base = before?.state ?? RecordState(kind: pushed.kind, id: pushed.id)
            let merged = base.joined(with: pushed)
            for name in pushed.fields.keys.sorted() where merged[name] != base[name] {
                sequence += 1
                try saveRegister(db, id: pushed.id, field: name, state: StateEncoding.encode(merged[name]), sequence: sequence)
                outcome.changed += 1
                if merged[name].isConflicted && !base[name].isConflicted { outcome.acknowledgement.conflicts += 1 }
            }
            if merged.existence != base.existence {
                sequence += 1
                try saveRegister(db, id: pushed.id, field: existenceField, state: StateEncoding.encode(merged.existence), sequence: sequence)
                outcome.changed += 1
            }
            outcome.acknowledgement.accepted += pushed.fields.count + (pushed.existence.context.isEmpty ? 0 : 1)
            guard merged != base else { continue }
            let createdBy = before?.createdBy ?? user.name
            try materialize(db, merged, createdBy: createdBy)
            if merged.kind == .account {
                let gained = try updateAccess(db, account: merged, createdBy: createdBy)
                if !gained.isEmpty { sequence = try resequence(db, account: merged.id, from: sequence) }
            }
            for account in RecordIndex.accounts(of: merged) where touchedAccounts[account] == nil { touchedAccounts[account] = .some(nil) }
            if merged.kind == .account { touchedAccounts[merged.id] = merged }
        }
        for (account, known) in touchedAccounts { try refreshFlags(db, account: account, known: known) }
        try db.cachedStatement(sql: "UPDATE sequence SET value = ? WHERE id = 1").execute(arguments: [sequence])
        for (replica, counter) in processed where counter > highest[replica, default: 0] {
            try db.cachedStatement(sql: "UPDATE replicas SET highest_counter = ? WHERE id = ?").execute(arguments: [Int64(counter), replica.rawValue])
        }
        outcome.acknowledgement.sequence = UInt64(sequence)
        return outcome
    }

    /// Why `user` may not write `pushed`, or `nil` when they may.
    static func refusal(_ db: Database, user: User, pushed: RecordState, stored: StoredRecord?) throws -> PushRefusal? {
        func refuse(_ code: String, _ message: String) -> PushRefusal {
            PushRefusal(kind: pushed.kind, id: pushed.id, field: nil, code: code, message: message)
        }
        if pushed.kind == .account {
            guard let stored else { return nil }  // creating an account
            if try mayAccess(db, user: user, account: pushed.id) { return nil }
            let owners = stored.state["owner"].distinctValues.compactMap(\.text)
            return refuse(
                "not-owner",
                "account \(pushed.id) belongs to \(owners.isEmpty ? stored.createdBy : owners.joined(separator: " and ")); you (\(user.name)) may not change it. Ask its owner or a manager")
        }
        let accounts = RecordIndex.accounts(of: (stored?.state ?? RecordState(kind: pushed.kind, id: pushed.id)).joined(with: pushed))
        guard !accounts.isEmpty else {
            return refuse("missing-account", "a new \(pushed.kind) must name its account")
        }
        for account in accounts {
            guard try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM records WHERE id = ? AND kind = 'account'"), arguments: [account.rawValue]) != nil else {
                return refuse("unknown-account", "account \(account) is not on the server: its creation was refused or not pushed yet")
            }
            guard try mayAccess(db, user: user, account: account) else {
                return refuse("not-owner", "account \(account) is not yours (\(user.name)); you may not change its records. Ask its owner or a manager")
            }
        }
        return nil
    }

    /// Gives every field state of an account and its records a new sequence
    /// number, so a user who just gained access pulls the whole history.
    static func resequence(_ db: Database, account: RecordID, from sequence: Int64) throws -> Int64 {
        let keys = try Row.fetchAll(
            db,
            sql: """
                SELECT fs.record_id, fs.field FROM field_states fs JOIN records r ON r.id = fs.record_id
                WHERE r.account_id = ? ORDER BY fs.seq
                """,
            arguments: [account.rawValue])
        var next = sequence
        for key in keys {
            next += 1
            try db.execute(
                sql: "UPDATE field_states SET seq = ? WHERE record_id = ? AND field = ?",
                arguments: [next, key["record_id"] as String, key["field"] as String])
        }
        return next
    }

    /// Recomputes the review flags of an account from its merged state and its share records.
    /// `known` is the account's merged state when the caller holds it already.
    static func refreshFlags(_ db: Database, account: RecordID, known: RecordState? = nil) throws {
        guard let state = try known ?? loadRecord(db, account)?.state, state.kind == .account else { return }
        let hasShareRecords = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM records WHERE account_id = ? AND kind = 'share-record' LIMIT 1"),
            arguments: [account.rawValue]) != nil
        let shareRecords = !hasShareRecords ? [] : try loadRecords(
            db,
            sql: """
                SELECT fs.record_id, fs.field, fs.state, r.kind FROM field_states fs JOIN records r ON r.id = fs.record_id
                WHERE r.account_id = ? AND r.kind = 'share-record'
                """,
            arguments: [account.rawValue])
        let flags = ReviewFlags.evaluate(account: state, shareRecords: shareRecords).map(\.code)
        let text = flags.isEmpty ? "[]" : String(decoding: try encode(flags), as: UTF8.self)
        try db.cachedStatement(sql: "UPDATE records SET flags = ? WHERE id = ? AND flags != ?").execute(arguments: [text, account.rawValue, text])
    }
}
