import Foundation
import KAMProtocol
import PostgresNIO

/// Access rows and roles, read once per transaction.
extension PostgresTransaction {
    func roles(of users: Set<String>) throws -> [String: Role] {
        let unknown = users.filter { knownRoles[$0] == nil }
        if !unknown.isEmpty {
            // Remembered once the whole answer is in: a failed read leaves no "no such user" behind.
            var read: [String: Role?] = [:]
            for name in unknown { read[name] = .some(nil) }
            for row in try session.rows("SELECT name, role FROM users WHERE name = ANY(\(Array(unknown)))") {
                let (name, role) = try row.decode((String, String).self)
                read[name] = Role(rawValue: role)
            }
            knownRoles.merge(read) { _, new in new }
        }
        var result: [String: Role] = [:]
        for name in users { if let role = knownRoles[name] ?? nil { result[name] = role } }
        return result
    }

    func accessUsers(of account: RecordID) throws -> Set<String> {
        if let known = accessRows[account] { return known }
        let users = Set(
            try session.rows("SELECT user_name FROM account_access WHERE account_id = \(account.rawValue)").map { try $0.decode(String.self) })
        accessRows[account] = users
        return users
    }

    func hasAccess(_ user: String, to account: RecordID) throws -> Bool {
        try accessUsers(of: account).contains(user)
    }

    // Given and taken in memory, written with the next flush: the account's
    // rows are read first, so this transaction answers for them from then on.

    func grantAccess(_ user: String, to account: RecordID) throws {
        _ = try accessUsers(of: account)
        accessRows[account]?.insert(user)
        unsavedAccess[AccessRow(account: account, user: user)] = true
    }

    func revokeAccess(_ user: String, to account: RecordID) throws {
        _ = try accessUsers(of: account)
        accessRows[account]?.remove(user)
        unsavedAccess[AccessRow(account: account, user: user)] = false
    }
}
