import Foundation
import KAMProtocol
import PostgresNIO

extension PostgresStore {
    public func addUser(name: String, role: Role, tokenHash: Data, at: Int64) async throws {
        try await transaction(.users) { tx in
            // Two processes adding the same name at once: one inserts, the other is told the name is taken.
            let added = try tx.session.changes("""
                INSERT INTO users (name, role, token_hash, created_at) VALUES (\(name), \(role.rawValue), \(tokenHash), \(at))
                ON CONFLICT (name) DO NOTHING
                """)
            guard added == 1 else { throw UserError.exists(name) }
        }
    }

    public func users() async throws -> [User] {
        try await transaction(.read) { tx in
            try tx.session.rows("SELECT name, role, created_at, revoked_at FROM users ORDER BY name").map(Self.user)
        }
    }

    public func revokeUser(name: String, at: Int64) async throws {
        try await transaction(.users) { tx in
            let changed = try tx.session.changes("UPDATE users SET revoked_at = \(at) WHERE name = \(name) AND revoked_at IS NULL")
            if changed == 0, try tx.session.rows("SELECT 1 FROM users WHERE name = \(name)").isEmpty { throw UserError.unknown(name) }
        }
    }

    public func user(tokenHash: Data) async throws -> User? {
        // Every request signs in: one statement, its own snapshot, no transaction around it.
        try await single(PreparedStatements.UserByToken(hash: tokenHash)).first.map(Self.user)
    }

    public func replaceTokenHash(name: String, tokenHash: Data) async throws {
        try await transaction(.users) { tx in
            guard let row = try tx.session.rows("SELECT revoked_at FROM users WHERE name = \(name) FOR UPDATE").first else {
                throw UserError.unknown(name)
            }
            guard try row.decode(Int64?.self) == nil else { throw UserError.revoked(name) }
            try tx.session.query("UPDATE users SET token_hash = \(tokenHash) WHERE name = \(name)")
            // A session was started with the old token: a leaked token must not live on as a session.
            try tx.session.query("DELETE FROM office_sessions WHERE user_name = \(name)")
        }
    }

    public func addSession(hash: Data, user: String, at: Int64, expiresAt: Int64) async throws {
        try await transaction(.users) { tx in
            try tx.session.query("DELETE FROM office_sessions WHERE expires_at <= \(at)")
            try tx.session.query("""
                INSERT INTO office_sessions (hash, user_name, created_at, expires_at) VALUES (\(hash), \(user), \(at), \(expiresAt))
                """)
        }
    }

    public func sessionUser(hash: Data, now: Int64) async throws -> User? {
        try await transaction(.read) { tx in
            try tx.session.rows("""
                SELECT u.name, u.role, u.created_at, u.revoked_at FROM office_sessions s JOIN users u ON u.name = s.user_name
                WHERE s.hash = \(hash) AND s.expires_at > \(now) AND u.revoked_at IS NULL
                """
            ).first.map(Self.user)
        }
    }

    public func removeSession(hash: Data) async throws {
        try await transaction(.users) { tx in _ = try tx.session.query("DELETE FROM office_sessions WHERE hash = \(hash)") }
    }

    static func user(_ row: PostgresRow) throws -> User {
        let (name, role, createdAt, revokedAt) = try row.decode((String, String, Int64, Int64?).self)
        return User(name: name, role: Role(rawValue: role) ?? .office, createdAt: createdAt, revokedAt: revokedAt)
    }
}
