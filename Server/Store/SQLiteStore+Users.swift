import Foundation
import GRDB
import KAMProtocol

extension SQLiteStore {
    public func addUser(name: String, role: Role, tokenHash: Data, at: Int64) async throws {
        try await writer.write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) == nil else {
                throw UserError.exists(name)
            }
            try db.execute(
                sql: "INSERT INTO users (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, role.rawValue, tokenHash, at])
        }
    }

    public func users() async throws -> [User] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT name, role, created_at, revoked_at FROM users ORDER BY name").map(Self.user)
        }
    }

    public func revokeUser(name: String, at: Int64) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [at, name])
            if db.changesCount == 0 {
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) != nil else {
                    throw UserError.unknown(name)
                }
            }
        }
    }

    public func user(tokenHash: Data) async throws -> User? {
        try await writer.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT name, role, created_at, revoked_at FROM users WHERE token_hash = ? AND revoked_at IS NULL"),
                arguments: [tokenHash]
            ).map(Self.user)
        }
    }

    public func replaceTokenHash(name: String, tokenHash: Data) async throws {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT revoked_at FROM users WHERE name = ?", arguments: [name]) else {
                throw UserError.unknown(name)
            }
            guard row["revoked_at"] as Int64? == nil else { throw UserError.revoked(name) }
            try db.execute(sql: "UPDATE users SET token_hash = ? WHERE name = ?", arguments: [tokenHash, name])
            // A session was started with the old token: a leaked token must not live on as a session.
            try db.execute(sql: "DELETE FROM office_sessions WHERE user_name = ?", arguments: [name])
        }
    }

    public func addSession(hash: Data, user: String, at: Int64, expiresAt: Int64) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM office_sessions WHERE expires_at <= ?", arguments: [at])
            try db.execute(
                sql: "INSERT INTO office_sessions (hash, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [hash, user, at, expiresAt])
        }
    }

    public func sessionUser(hash: Data, now: Int64) async throws -> User? {
        try await writer.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT u.name, u.role, u.created_at, u.revoked_at FROM office_sessions s JOIN users u ON u.name = s.user_name
                    WHERE s.hash = ? AND s.expires_at > ? AND u.revoked_at IS NULL
                    """),
                arguments: [hash, now]
            ).map(Self.user)
        }
    }

    public func removeSession(hash: Data) async throws {
        try await writer.write { db in try db.execute(sql: "DELETE FROM office_sessions WHERE hash = ?", arguments: [hash]) }
    }

    static func user(_ row: Row) -> User {
        User(name: row["name"], role: Role(rawValue: row["role"]) ?? .office, createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }
}
