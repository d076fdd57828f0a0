import Foundation
import GRDB
import KAMProtocol

extension Replica {
    /// Adds an account at the development stage (or the stage given), checking its share fits.
    @discardableResult
    public func addAccount(_ account: Account) throws -> Account {
        guard !account.name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ClientError.domain(.emptyText(field: "name")) }
        if let share = account.share {
            do { try StageRules.checkShare(share, fits: account.stage) } catch { throw ClientError.stage(error) }
        }
        try store.edit { edit in _ = try edit.create(account) }
        return account
    }

    /// The account fields `account set` may change; the stage changes through ``changeStage(_:to:share:reason:)``.
    public static let settableAccountFields = ["name", "industry", "region", "owner", "tier", "notes", "share"]

    /// Sets fields of an account (`nil` clears one). A typed share must fit the current stage.
    public func setAccount(_ reference: String, _ changes: [String: String?]) throws {
        guard !changes.isEmpty else { throw ClientError.nothingToChange }
        let id = try resolveAccount(reference)
        try store.edit { edit in
            // Gone since it was found: a sync in between took it off this laptop.
            guard let state = try edit.state(id) else { throw ClientError.unknownAccount(reference) }
            for (field, text) in changes.sorted(by: { $0.key < $1.key }) {
                guard Self.settableAccountFields.contains(field) else { throw ClientError.unknownField(.account, field) }
                var value = FieldValue.null
                if let text {
                    switch field {
                    case "tier":
                        guard let tier = Tier(rawValue: text) else {
                            throw ClientError.domain(.unknownValue(field: "tier", value: text, allowed: Tier.allCases.map(\.rawValue)))
                        }
                        value = tier.fieldValue
                    case "share":
                        let share: Share
                        do { share = try Share(parsing: text) } catch let error as DomainError { throw ClientError.domain(error) }
                        let stageValue = try Self.single(state, "stage", label: reference)
                        let stage = stageValue.flatMap { try? Stage(fieldValue: $0, field: "stage") } ?? .development
                        do { try StageRules.checkShare(share, fits: stage) } catch let error as StageRuleError { throw ClientError.stage(error) }
                        value = share.fieldValue
                    case "name":
                        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw ClientError.domain(.emptyText(field: "name")) }
                        value = .text(text)
                    default:
                        value = .text(text)
                    }
                }
                try edit.write(id, kind: .account, field, value)
            }
        }
    }

    /// Deletes an account. Its records go with it; a concurrent edit elsewhere
    /// keeps it visible as a delete-versus-edit conflict.
    public func deleteAccount(_ reference: String) throws -> RecordID {
        let id = try resolveAccount(reference)
        try store.edit { edit in try edit.delete(id, kind: .account) }
        return id
    }

    /// Moves an account to `stage` by the rules: one step forward, or back any
    /// number with a reason; the share (given, or the current one) must fit the
    /// new stage. Records the change in the stage history.
    @discardableResult
    public func changeStage(_ reference: String, to stage: Stage, share: Share?, reason: String?) throws -> StageChange {
        let id = try resolveAccount(reference)
        return try store.edit { edit in
            // Gone since it was found: a sync in between took it off this laptop.
            guard let state = try edit.state(id) else { throw ClientError.unknownAccount(reference) }
            let current = try Self.single(state, "stage", label: reference).flatMap { try? Stage(fieldValue: $0, field: "stage") } ?? .development
            do { try StageRules.checkTransition(from: current, to: stage, reason: reason) } catch let error as StageRuleError { throw ClientError.stage(error) }
            let currentShare = try Self.single(state, "share", label: reference).flatMap { try? Share(fieldValue: $0, field: "share") }
            let newShare = share ?? currentShare
            if let newShare {
                do { try StageRules.checkShare(newShare, fits: stage) } catch let error as StageRuleError {
                    if share == nil {
                        throw ClientError.domain(.wrongType(field: "share", expected: "given with --share: the current share \(newShare) does not fit stage \(stage) (\(stage.band))"))
                    }
                    throw ClientError.stage(error)
                }
            }
            try edit.write(id, kind: .account, "stage", stage.fieldValue)
            if let share { try edit.write(id, kind: .account, "share", share.fieldValue) }
            let reasonText = reason.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            let change = StageChange(account: id, from: current, to: stage, share: newShare, reason: reasonText, author: author, at: edit.now)
            try edit.create(change)
            return change
        }
    }

    /// The accounts matching `query`.
    public func accounts(_ query: AccountQuery = AccountQuery(limit: Int.max)) throws -> [AccountSummary] {
        try store.read { db in
            var clauses = ["a.kind = \(RecordKind.account.storedCode)", "a.status <= 1"]
            var arguments: StatementArguments = [:]
            if let stage = query.stage { clauses.append("a.stage = :stage"); arguments += ["stage": stage.rawValue] }
            if let owner = query.owner { clauses.append("a.owner = :owner"); arguments += ["owner": owner] }
            if let region = query.region { clauses.append("a.region = :region"); arguments += ["region": region] }
            if let tier = query.tier { clauses.append("a.tier = :tier"); arguments += ["tier": tier.rawValue] }
            if let text = query.text, !text.isEmpty {
                clauses.append("(instr(a.name, :text) > 0 OR instr(a.industry, :text) > 0 OR instr(a.region, :text) > 0 OR instr(a.notes, :text) > 0)")
                arguments += ["text": text]
            }
            let children = "EXISTS (SELECT 1 FROM records c WHERE c.account_id = a.id AND c.id != a.id AND c.status = 1)"
            if query.hasConflicts { clauses.append("(a.status = 1 OR a.flags IS NOT NULL OR \(children))") }
            // Columns by position and a cursor, not copied rows looked up by name:
            // a territory's list is tens of thousands of rows.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT a.id, a.status = 1, a.name, a.industry, a.region, a.owner, a.tier, a.stage, a.share, a.flags,
                        \(children) AS child_conflicts
                    FROM records a WHERE \(clauses.joined(separator: " AND ")) ORDER BY a.name, a.id
                    """,
                arguments: arguments)
            var summaries: [AccountSummary] = []
            while let row = try rows.next() {
                let flags: String? = row[9]
                summaries.append(RecordIndex.summary(
                    id: RecordID(rawValue: row[0])!, name: row[2], industry: row[3], region: row[4], owner: row[5], tier: row[6],
                    stage: row[7], share: row[8], needsResolution: row[1] || row[10],
                    flags: try flags.map { try ReplicaStore.decode([String].self, Data($0.utf8)) } ?? []))
            }
            return summaries
        }
    }

    /// One account with its records, history, conflicts and flags.
    public func account(_ reference: String) throws -> AccountDetail {
        let id = try resolveAccount(reference)
        return try store.read { db in
            guard let state = try store.loadRecord(db, id) else { throw ClientError.unknownAccount(reference) }
            let records = try store.loadRecords(db, ids: "SELECT id FROM records WHERE account_id = ? AND id != ?", arguments: [id.rawValue, id.rawValue])
            do {
                return try AccountDetail(
                    account: state, records: records, authors: try Self.authors(db), ownerChanges: try ReplicaStore.ownerChanges(of: id, db))
            } catch let error as DomainError {
                throw ClientError.domain(error)
            }
        }
    }

    /// The pipeline over the accounts on this laptop.
    public func pipeline() throws -> PipelineReport {
        PipelineReport(accounts: try accounts())
    }

    /// What the office's reports read, over the records on this laptop.
    public func reportData() throws -> ReportData {
        let kinds = ReportData.kinds.map { "\($0.storedCode)" }.joined(separator: ", ")
        return ReportData(states: try store.read { db in
            try store.loadRecords(db, ids: "SELECT id FROM records WHERE status <= 1 AND kind IN (\(kinds))")
        })
    }

    static func authors(_ db: Database) throws -> [ReplicaID: String] {
        var result: [ReplicaID: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT replica, user_name FROM authors") {
            if let id = ReplicaID(rawValue: row["replica"]) { result[id] = row["user_name"] }
        }
        let settings = try ReplicaStore.settings(db)
        if let user = settings.user { result[settings.replica] = user }
        return result
    }
}
