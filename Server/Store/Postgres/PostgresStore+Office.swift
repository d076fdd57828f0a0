import Foundation
import KAMProtocol
import PostgresNIO

extension PostgresStore {
    public func accounts(matching query: AccountQuery, in scope: AccessScope) async throws -> AccountList {
        let limit = min(max(query.limit, 1), AccountQuery.maximumLimit)
        let offset = max(query.offset, 0)
        return try await transaction(.read) { tx in
            let count = Self.accountFilter(query, scope: scope, columns: "COUNT(*)")
            let total = try tx.session.rows(count.query())[0].decode(Int.self)
            var page = Self.accountFilter(query, scope: scope, columns: Self.summaryColumns)
            page.sql += " ORDER BY a.name, a.id LIMIT \(page.bind(limit)) OFFSET \(page.bind(offset))"
            return AccountList(accounts: try tx.session.rows(page.query()).map(Self.summary), total: total, limit: limit, offset: offset)
        }
    }

    public func accountSummaries(in scope: AccessScope) async throws -> [AccountSummary] {
        try await transaction(.read) { tx in
            let all = Self.accountFilter(AccountQuery(), scope: scope, columns: Self.summaryColumns)
            return try tx.session.rows(all.query()).map(Self.summary)
        }
    }

    public func accountRecords(matching query: AccountQuery, in scope: AccessScope) async throws -> [Account] {
        try await transaction(.read) { tx in
            var filter = Self.accountFilter(query, scope: scope, columns: Self.indexColumns)
            filter.sql += " ORDER BY a.name, a.id"
            return try tx.session.rows(filter.query()).compactMap { row in
                let (id, values) = try Self.index(row)
                return values.account(id: id)
            }
        }
    }

    static let indexColumns = "a.id, a.needs_resolution, a.name, a.industry, a.region, a.owner, a.tier, a.stage, a.share, a.notes"
    static let summaryColumns = indexColumns + ", a.flags, " + childConflicts

    static let childConflicts =
        "EXISTS (SELECT 1 FROM records c WHERE c.account_id = a.id AND c.id != a.id AND c.visible AND c.needs_resolution)"

    /// The statement selecting `columns` of the accounts of `query` in `scope`.
    static func accountFilter(_ query: AccountQuery, scope: AccessScope, columns: String) -> PostgresStatement {
        var statement = PostgresStatement("SELECT \(columns) FROM records a")
        if case .accessRows(let user) = scope {
            statement.sql += " JOIN account_access aa ON aa.account_id = a.id AND aa.user_name = \(statement.bind(user))"
        }
        var clauses = ["a.kind = 'account'", "a.visible"]
        if let stage = query.stage { clauses.append("a.stage = \(statement.bind(stage.rawValue))") }
        if let owner = query.owner { clauses.append("a.owner = \(statement.bind(owner))") }
        if let region = query.region { clauses.append("a.region = \(statement.bind(region))") }
        if let tier = query.tier { clauses.append("a.tier = \(statement.bind(tier.rawValue))") }
        if let text = query.text, !text.isEmpty {
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            // ILIKE on columns collated "C" folds ASCII letters only, as the embedded store's LIKE does.
            let pattern = statement.bind("%\(escaped)%")
            clauses.append(
                "(a.name ILIKE \(pattern) OR a.industry ILIKE \(pattern) OR a.region ILIKE \(pattern) OR a.notes ILIKE \(pattern))")
        }
        if query.hasConflicts {
            clauses.append("(a.needs_resolution OR a.flags != '[]' OR \(childConflicts))")
        }
        statement.sql += " WHERE " + clauses.joined(separator: " AND ")
        return statement
    }

    /// An account's id and index from the columns of ``indexColumns``.
    static func index(_ row: PostgresRow) throws -> (RecordID, RecordIndex) {
        let columns = row.makeRandomAccess()
        guard let id = RecordID(rawValue: try columns[0].decode(String.self)) else { throw StateEncodingError.badRecord }
        var index = RecordIndex(RecordState(kind: .account, id: id))
        index.needsResolution = try columns[1].decode(Bool.self)
        index.name = try columns[2].decode(String?.self)
        index.industry = try columns[3].decode(String?.self)
        index.region = try columns[4].decode(String?.self)
        index.owner = try columns[5].decode(String?.self)
        index.tier = try columns[6].decode(String?.self)
        index.stage = try columns[7].decode(String?.self)
        index.share = try columns[8].decode(Int64?.self)
        index.notes = try columns[9].decode(String?.self)
        return (id, index)
    }

    /// An account-list row from the columns of ``summaryColumns``.
    static func summary(_ row: PostgresRow) throws -> AccountSummary {
        let (id, index) = try Self.index(row)
        let columns = row.makeRandomAccess()
        let flags = try SQLiteStore.decode([String].self, Data(try columns[10].decode(String.self).utf8))
        return index.summary(id: id, flags: flags, childrenNeedResolution: try columns[11].decode(Bool.self))
    }
}

/// SQL put together piece by piece, with its parameters bound in order.
struct PostgresStatement {
    var sql: String
    var binds = PostgresBindings()

    init(_ sql: String) { self.sql = sql }

    /// Binds `value` and returns its placeholder.
    mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Binds `value`, or NULL (its type taken from where it is used), and returns its placeholder.
    mutating func bind(optional value: (some PostgresDynamicTypeEncodable)?) -> String {
        if let value { binds.append(value) } else { binds.appendNull() }
        return "$\(binds.count)"
    }

    /// Binds `value`, which may fail to encode, and returns its placeholder.
    mutating func bind(throwing value: some PostgresThrowingDynamicTypeEncodable) throws -> String {
        try binds.append(value)
        return "$\(binds.count)"
    }

    func query() -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
