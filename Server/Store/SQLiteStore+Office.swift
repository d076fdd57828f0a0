import Foundation
import GRDB
import KAMProtocol

extension SQLiteStore {
    public func accounts(matching query: AccountQuery, in scope: AccessScope) async throws -> AccountList {
        let limit = min(max(query.limit, 1), AccountQuery.maximumLimit)
        let offset = max(query.offset, 0)
        return try await writer.read { db in
            let (from, arguments) = Self.accountFilter(query, scope: scope)
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from)", arguments: arguments) ?? 0
            var paged = arguments
            paged += ["limit": limit, "offset": offset]
            let rows = try Row.fetchAll(
                db, sql: "SELECT a.*, \(Self.childConflicts) AS child_conflicts \(from) ORDER BY a.name, a.id LIMIT :limit OFFSET :offset",
                arguments: paged)
            return AccountList(accounts: try rows.map(Self.summary), total: total, limit: limit, offset: offset)
        }
    }

    public func accountSummaries(in scope: AccessScope) async throws -> [AccountSummary] {
        try await writer.read { db in
            let (from, arguments) = Self.accountFilter(AccountQuery(), scope: scope)
            let rows = try Row.fetchAll(db, sql: "SELECT a.*, \(Self.childConflicts) AS child_conflicts \(from)", arguments: arguments)
            return try rows.map(Self.summary)
        }
    }

    public func accountRecords(matching query: AccountQuery, in scope: AccessScope) async throws -> [Account] {
        try await writer.read { db in
            let (from, arguments) = Self.accountFilter(query, scope: scope)
            let rows = try Row.fetchCursor(db, sql: "SELECT a.* \(from) ORDER BY a.name, a.id", arguments: arguments)
            var accounts: [Account] = []
            while let row = try rows.next() {
                guard let id = RecordID(rawValue: row["id"]) else { continue }
                accounts.append(Self.index(row, id: id).account(id: id))
            }
            return accounts
        }
    }

    static let childConflicts =
        "EXISTS (SELECT 1 FROM records c WHERE c.account_id = a.id AND c.id != a.id AND c.visible = 1 AND c.needs_resolution = 1)"

    /// The FROM and WHERE clauses that select the accounts of `query` in `scope`.
    static func accountFilter(_ query: AccountQuery, scope: AccessScope) -> (String, StatementArguments) {
        var clauses = ["a.kind = 'account'", "a.visible = 1"]
        var arguments: StatementArguments = [:]
        var from = "FROM records a"
        if case .accessRows(let user) = scope {
            from += " JOIN account_access aa ON aa.account_id = a.id AND aa.user_name = :user"
            arguments += ["user": user]
        }
        if let stage = query.stage {
            clauses.append("a.stage = :stage")
            arguments += ["stage": stage.rawValue]
        }
        if let owner = query.owner {
            clauses.append("a.owner = :owner")
            arguments += ["owner": owner]
        }
        if let region = query.region {
            clauses.append("a.region = :region")
            arguments += ["region": region]
        }
        if let tier = query.tier {
            clauses.append("a.tier = :tier")
            arguments += ["tier": tier.rawValue]
        }
        if let text = query.text, !text.isEmpty {
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            clauses.append(
                "(a.name LIKE :text ESCAPE '\\' OR a.industry LIKE :text ESCAPE '\\' OR a.region LIKE :text ESCAPE '\\' OR a.notes LIKE :text ESCAPE '\\')")
            arguments += ["text": "%\(escaped)%"]
        }
        if query.hasConflicts {
            clauses.append("(a.needs_resolution = 1 OR a.flags != '[]' OR \(childConflicts))")
        }
        return (from + " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    /// An account's index from its materialised columns.
    static func index(_ row: Row, id: RecordID) -> RecordIndex {
        var index = RecordIndex(RecordState(kind: .account, id: id))
        index.needsResolution = row["needs_resolution"]
        (index.name, index.industry, index.region, index.owner) = (row["name"], row["industry"], row["region"], row["owner"])
        (index.tier, index.stage, index.share, index.notes) = (row["tier"], row["stage"], row["share"], row["notes"])
        return index
    }

    /// An account-list row from the materialised columns.
    static func summary(_ row: Row) throws -> AccountSummary {
        let index = Self.index(row, id: RecordID(rawValue: row["id"])!)
        return index.summary(
            id: RecordID(rawValue: row["id"])!, flags: try decode([String].self, Data((row["flags"] as String).utf8)),
            childrenNeedResolution: row["child_conflicts"])
    }
}
