import Foundation
import KAMProtocol

/// Signing in to the office dashboard: a token pasted once becomes a session
/// held in a cookie, so the token itself never sits in the browser.
extension SyncService {
    /// How long a dashboard session lasts: a working day.
    public static let officeSessionLifetime: Int64 = 12 * 3_600_000

    /// Starts a session for the user of `token`; returns the user and the
    /// session's secret (for the cookie, never stored as such).
    public func signIn(token: String) async throws(OfficeSignInError) -> (user: User, secret: String) {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .emptyToken }
        let user: User
        do {
            guard let found = try await authenticate(token: trimmed) else { throw OfficeSignInError.unknownToken }
            user = found
        } catch let error as OfficeSignInError {
            throw error
        } catch {
            logger.error("office sign-in: the token could not be checked", metadata: ["error": "\(error)"])
            throw .unavailable
        }
        guard user.role != .rep else { throw .rep(user.name) }
        let secret = Token.generate()
        let now = Self.now()
        do {
            try await storage.addSession(hash: Token.hash(secret), user: user.name, at: now, expiresAt: now + Self.officeSessionLifetime)
        } catch {
            logger.error("office sign-in: the session could not be stored", metadata: ["error": "\(error)"])
            throw .unavailable
        }
        logger.info("office sign-in", metadata: ["user": "\(user.name)"])
        return (user, secret)
    }

    /// The user of a live session, or `nil` when it has ended, was signed out, or its user was revoked.
    public func officeUser(session secret: String) async throws -> User? {
        try await storage.sessionUser(hash: Token.hash(secret), now: Self.now())
    }

    /// Ends a session.
    public func signOut(session secret: String) async throws {
        try await storage.removeSession(hash: Token.hash(secret))
    }
}

/// Why a sign-in to the dashboard failed.
public enum OfficeSignInError: Error, Hashable, Sendable, CustomStringConvertible {
    case emptyToken
    case unknownToken
    case rep(String)
    /// The store failed; the details are in the server's log, not shown to someone not signed in.
    case unavailable

    public var description: String {
        switch self {
        case .emptyToken: "Paste your token (it starts with kam_) into the field."
        case .unknownToken: "That token is unknown or revoked: ask an administrator for a new one (kam-server user token NAME)."
        case .rep(let name): "\(name) is a rep: the dashboard is for the office, managers and admins. Reps work in kam on their laptop."
        case .unavailable: "The server could not check the token just now. Try again in a moment; if it persists, its administrator will find why in the server's log."
        }
    }
}
