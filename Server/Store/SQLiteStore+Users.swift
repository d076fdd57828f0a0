import Foundation
import GRDB
import KAMFaults
import KAMProtocol

extension SQLiteStore {
    public func addUser(name: String, role: Role) async throws -> String {
        try User.checkName(name)
        let token = Token.generate()
        let hash = Token.hash(token)
        try await writer.write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) == nil else {
                throw UserError.exists(name)
            }
            try db.execute(
                sql: "INSERT INTO users (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, role.rawValue, hash, Self.now()])
        }
        logger.info("user added", metadata: ["user": "\(name)", "role": "\(role)"])
        return token
    }

    public func users() async throws -> [User] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT name, role, created_at, revoked_at FROM users ORDER BY name").map(Self.user)
        }
    }

    public func revokeUser(name: String) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [Self.now(), name])
            if db.changesCount == 0 {
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) != nil else {
                    throw UserError.unknown(name)
                }
            }
        }
        logger.info("user revoked", metadata: ["user": "\(name)"])
    }

    public func authenticate(token: String) async throws -> User? {
        let hash = Token.hash(token)
        return try await writer.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT name, role, created_at, revoked_at FROM users WHERE token_hash = ? AND revoked_at IS NULL"),
                arguments: [hash]
            ).map(Self.user)
        }
    }

    static func user(_ row: Row) -> User {
        User(name: row["name"], role: Role(rawValue: row["role"]) ?? .office, createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }

    public func registerReplica(_ replica: ReplicaID, for user: User, limit: Int) async throws -> ReplicaRegistered {
        try await writer.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT user_name, revoked_at FROM replicas WHERE id = ?", arguments: [replica.rawValue]) {
                guard row["user_name"] as String == user.name else { throw SyncError.replicaOfAnotherUser(replica) }
                guard row["revoked_at"] as Int64? == nil else { throw SyncError.replicaRevoked(replica) }
            } else {
                let active = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM replicas WHERE user_name = ? AND revoked_at IS NULL", arguments: [user.name]) ?? 0
                guard active < limit else { throw SyncError.tooManyReplicas(user: user.name, limit: limit) }
                try db.execute(
                    sql: "INSERT INTO replicas (id, user_name, registered_at) VALUES (?, ?, ?)",
                    arguments: [replica.rawValue, user.name, Self.now()])
            }
            CrashPoint.beforeRegisterCommit.reach()
        }
        return ReplicaRegistered(replica: replica, user: user.name)
    }

    public func replaceToken(name: String) async throws -> String {
        let token = Token.generate()
        try await writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT revoked_at FROM users WHERE name = ?", arguments: [name]) else {
                throw UserError.unknown(name)
            }
            guard row["revoked_at"] as Int64? == nil else { throw UserError.revoked(name) }
            try db.execute(sql: "UPDATE users SET token_hash = ? WHERE name = ?", arguments: [Token.hash(token), name])
        }
        logger.info("token replaced", metadata: ["user": "\(name)"])
        return token
    }
}
