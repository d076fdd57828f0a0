import Foundation
import GRDB
import KAMProtocol

extension SQLiteStore {
    /// The largest page a pull may ask for.
    public static let maximumPullLimit = 10_000

    public func pull(since: UInt64, limit: Int, for user: User) async throws -> PullPage {
        let limit = min(max(limit, 1), Self.maximumPullLimit)
        return try await writer.read { db in
            let current = UInt64(try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM sequence WHERE id = 1")) ?? 0)
            guard since <= current else { throw PullError.cursorAhead(since: since, server: current) }
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: try Self.feedQuery(db, user: user, gap: current - since)),
                arguments: ["since": Int64(since), "limit": limit + 1, "user": user.name])
            let hasMore = rows.count > limit
            let page = rows.prefix(limit)
            let cursor = hasMore ? UInt64(page.last!["seq"] as Int64) : current
            var order: [RecordID] = []
            var states: [RecordID: RecordState] = [:]
            var replicas: Set<String> = []
            for row in page {
                guard let id = RecordID(rawValue: row["record_id"]), let kind = RecordKind(rawValue: row["kind"]) else { continue }
                let name: String = row["field"]
                let data: Data = row["state"]
                var delta = RecordState(kind: kind, id: id)
                if name == Self.existenceField {
                    let register = try StateEncoding.readExistence(data)
                    replicas.formUnion(register.siblings.map(\.dot.replica.rawValue))
                    delta = RecordState(kind: kind, id: id, fields: [:], existence: register)
                } else {
                    let register = try StateEncoding.readField(data)
                    replicas.formUnion(register.siblings.map(\.dot.replica.rawValue))
                    delta = RecordState(kind: kind, id: id, fields: [name: register])
                }
                if let earlier = states[id] { states[id] = earlier.joined(with: delta) } else {
                    order.append(id)
                    states[id] = delta
                }
            }
            return PullPage(
                records: order.map { states[$0]! }, authors: try Self.authors(db, of: replicas), cursor: cursor, hasMore: hasMore)
        }
    }

    /// The statement reading a page of `user`'s feed, `gap` changes behind.
    ///
    /// Two plans, chosen by which reads fewer rows. Feed first (CROSS JOIN keeps
    /// the sequence index the outer loop): a page walks the changes from the
    /// cursor, skipping other users' until it has `limit` rows; right for a
    /// bootstrap or a small gap. Accounts first: the user's own records, sorted;
    /// right for a rep with a few accounts on a busy server, where walking the
    /// feed would mostly read other reps' changes. Left to itself SQLite always
    /// takes the second, which made a large territory's bootstrap quadratic.
    static func feedQuery(_ db: Database, user: User, gap: UInt64) throws -> String {
        let columns = "SELECT fs.record_id, fs.field, fs.state, fs.seq, r.kind"
        let page = "WHERE fs.seq > :since ORDER BY fs.seq LIMIT :limit"
        if user.role.seesAllAccounts {
            return "\(columns) FROM field_states fs CROSS JOIN records r ON r.id = fs.record_id \(page)"
        }
        // An account with its contacts, activities and history has a few dozen
        // field states. The count stops at the bound, so a rep with a large
        // territory and a small gap pays for the gap, not the territory.
        let bound = gap / 32
        let accounts = bound == 0 ? 0 : try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM (SELECT 1 FROM account_access WHERE user_name = ? LIMIT ?)"),
            arguments: [user.name, Int64(min(bound, UInt64(Int64.max)))]) ?? 0
        if UInt64(accounts) < bound {
            return """
                \(columns) FROM account_access aa JOIN records r ON r.account_id = aa.account_id
                JOIN field_states fs ON fs.record_id = r.id WHERE aa.user_name = :user AND fs.seq > :since
                ORDER BY fs.seq LIMIT :limit
                """
        }
        return """
            \(columns) FROM field_states fs CROSS JOIN records r ON r.id = fs.record_id
            CROSS JOIN account_access aa ON aa.account_id = r.account_id AND aa.user_name = :user \(page)
            """
    }

    /// The user each of `replicas` is registered to.
    static func authors(_ db: Database, of replicas: Set<String>?) throws -> [ReplicaID: String] {
        var result: [ReplicaID: String] = [:]
        let rows: [Row]
        if let replicas {
            guard !replicas.isEmpty else { return [:] }
            rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT id, user_name FROM replicas WHERE id IN (SELECT value FROM json_each(?))"),
                arguments: [String(decoding: try encode(Array(replicas)), as: UTF8.self)])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT id, user_name FROM replicas")
        }
        for row in rows {
            if let id = ReplicaID(rawValue: row["id"]) { result[id] = row["user_name"] }
        }
        return result
    }
}

/// Why a pull cannot be answered.
public enum PullError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The client has seen more changes than this server holds: the server's
    /// data was replaced (restored or reset) since the client last synced.
    case cursorAhead(since: UInt64, server: UInt64)

    public var description: String {
        switch self {
        case .cursorAhead(let since, let server):
            "your replica has seen change \(since) but this server only holds \(server): the server's data was reset or restored. Ask an administrator, then start a new replica with 'kam init'"
        }
    }
}
