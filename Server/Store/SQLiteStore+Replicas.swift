import Foundation
import GRDB
import KAMProtocol

/// Replicas as an administrator manages them: listed, revoked, and admitted
/// (or not) to each push and pull.
extension SQLiteStore {
    /// How stale `last_seen_at` may get before a sync writes it again.
    static let lastSeenResolution: Int64 = 60_000

    public func replicas(user: String?) async throws -> [ReplicaInfo] {
        try await writer.read { db in
            let columns = "SELECT id, user_name, registered_at, last_seen_at, revoked_at FROM replicas"
            var filter = ""
            var arguments = StatementArguments()
            if let user {
                filter = "WHERE user_name = ?"
                arguments += [user]
            }
            let rows = try Row.fetchAll(db, sql: "\(columns) \(filter) ORDER BY user_name, registered_at, id", arguments: arguments)
            return rows.compactMap { (row: Row) -> ReplicaInfo? in
                guard let id = ReplicaID(rawValue: row["id"]) else { return nil }
                return ReplicaInfo(
                    id: id, user: row["user_name"], registeredAt: row["registered_at"], lastSeenAt: row["last_seen_at"], revokedAt: row["revoked_at"])
            }
        }
    }

    public func revokeReplica(_ replica: ReplicaID) async throws {
        try await writer.write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM replicas WHERE id = ?", arguments: [replica.rawValue]) != nil else {
                throw UserError.unknownReplica(replica.rawValue)
            }
            try db.execute(sql: "UPDATE replicas SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [Self.now(), replica.rawValue])
        }
        logger.info("replica revoked", metadata: ["replica": "\(replica)"])
    }

    /// A read on most calls; a write at most once a minute per replica.
    public func admitReplica(_ replica: ReplicaID, for user: User) async throws {
        let now = Self.now()
        let stale = try await writer.read { db in
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT user_name, last_seen_at, revoked_at FROM replicas WHERE id = ?"), arguments: [replica.rawValue])
            else { throw SyncError.replicaNotRegistered(replica) }
            guard row["user_name"] as String == user.name else { throw SyncError.replicaOfAnotherUser(replica) }
            guard row["revoked_at"] as Int64? == nil else { throw SyncError.replicaRevoked(replica) }
            return (row["last_seen_at"] as Int64?).map { now - $0 >= Self.lastSeenResolution } ?? true
        }
        guard stale else { return }
        try await writer.write { db in
            try db.cachedStatement(sql: "UPDATE replicas SET last_seen_at = ? WHERE id = ?").execute(arguments: [now, replica.rawValue])
        }
    }
}
