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
        }
    }

    static func user(_ row: Row) -> User {
        User(name: row["name"], role: Role(rawValue: row["role"]) ?? .office, createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }
}
