import KAMProtocol

/// Who may see and write which account, written once.
///
/// - A rep sees and writes the accounts they hold access to: the accounts they
///   created and the ones they own, and the records on them.
/// - Managers and admins see and write every account; the office reads every
///   account and writes none.
/// - Only managers and admins change the owner of an existing account.
///
/// Access is stored as rows (account, user), kept up to date from each
/// account's merged state by ``holders(of:createdBy:)``.
enum AccessRule {
    /// The accounts `user` reads: every one, or those they hold access to.
    static func scope(of user: User) -> AccessScope {
        user.role.seesAllAccounts ? .everything : .accessRows(of: user.name)
    }

    /// Whether `user` may see `account`.
    static func maySee(_ user: User, account: RecordID, _ reads: any SyncReads) throws -> Bool {
        if user.role.seesAllAccounts { return true }
        return try reads.hasAccess(user.name, to: account)
    }

    /// Whether `user` may change `account` and the records on it.
    static func mayWrite(_ user: User, account: RecordID, _ reads: any SyncReads) throws -> Bool {
        guard user.role.mayPush else { return false }
        if user.role.writesAllAccounts { return true }
        return try reads.hasAccess(user.name, to: account)
    }

    /// Whether `user` may change who owns an account.
    static func mayChangeOwner(_ user: User) -> Bool { user.role.writesAllAccounts }

    /// The users who hold access to an account: its creator and every current owner.
    static func holders(of account: RecordState, createdBy: String) -> Set<String> {
        var users: Set<String> = [createdBy]
        for value in account["owner"].distinctValues { if let owner = value.text { users.insert(owner) } }
        return users
    }
}
