import Foundation

/// What a user of the server may do.
public enum Role: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// A field rep: pushes changes to accounts they own or created, and their children.
    case rep
    /// An account manager: pushes changes to every account.
    case manager
    /// The central office: reads and queries everything, pushes nothing.
    case office
    /// An administrator: everything a manager may do.
    case admin

    /// Whether this role may push changes at all.
    public var mayPush: Bool { self != .office }

    /// Whether this role may write every account, whoever owns it.
    public var writesAllAccounts: Bool { self == .manager || self == .admin }

    /// Whether this role sees every account.
    public var seesAllAccounts: Bool { self != .rep }

    public var description: String { rawValue }
}

/// A person (or program) with a bearer token.
public struct User: Sendable, Hashable, Codable {
    public var name: String
    public var role: Role
    /// When the user was created, in milliseconds since 1970.
    public var createdAt: Int64
    /// When the token was revoked; `nil` while it works.
    public var revokedAt: Int64?

    public init(name: String, role: Role, createdAt: Int64, revokedAt: Int64? = nil) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }

    /// Checks a user name: 1 to 64 letters, digits, `.`, `-` or `_`.
    public static func checkName(_ name: String) throws(UserError) {
        guard !name.isEmpty, name.count <= 64,
            name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-_".unicodeScalars.contains($0)) })
        else { throw .badName(name) }
    }
}

/// A user-management request that cannot be carried out.
public enum UserError: Error, Hashable, Sendable, CustomStringConvertible {
    case badName(String)
    case exists(String)
    case unknown(String)
    /// The user is revoked: a new token would not work.
    case revoked(String)
    /// No replica has this id.
    case unknownReplica(String)

    public var description: String {
        switch self {
        case .badName(let name):
            "'\(name)' is not a user name: use 1 to 64 letters, digits, '.', '-' or '_'"
        case .exists(let name):
            "user '\(name)' already exists: pick another name, or revoke and re-add it to issue a new token"
        case .unknown(let name):
            "there is no user '\(name)': 'kam-server user list' shows who there is"
        case .revoked(let name):
            "user '\(name)' is revoked, and a revoked user stays revoked: add them again under a new name ('kam-server user add')"
        case .unknownReplica(let id):
            "there is no replica '\(id)': 'kam-server replica list' shows the replicas there are"
        }
    }
}


