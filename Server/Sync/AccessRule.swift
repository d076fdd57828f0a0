import KAMProtocol

/// Who may see and write which account, written once.
///
/// - A rep sees and writes the accounts they own, and the records on them. A
///   record whose `account` is in conflict is on every account it names.
/// - Managers and admins see and write every account; the office reads every
///   account and writes none.
/// - Only managers and admins change the owner of an existing account, and a
///   rep creates only accounts they own (or that nobody owns yet).
/// - The creator of an account keeps nothing once it has an owner: access
///   follows ownership alone, so reassigning an account takes it off the old
///   owner's laptop whoever created it. An account nobody owns stays with
///   its creator, so a new account is never lost between its creation and
///   its assignment.
///
/// Access is stored as rows (account, user), kept equal to each account's
/// ``holders(of:createdBy:)``.
enum AccessRule {
    /// Which rule the stored access rows follow; a store written under an
    /// earlier one is brought up to date by ``SyncService/upgradeAccess()``.
    static let version = "2"
    /// The storage setting that names the rule the access rows follow.
    static let settingKey = "access-rule"

    /// The accounts `user` reads: every one, or those they hold access to.
    static func scope(of user: User) -> AccessScope {
        user.role.seesAllAccounts ? .everything : .accessRows(of: user.name)
    }

    /// Whether `user` may see `account`.
    static func maySee(_ user: User, account: RecordID, _ reads: any SyncReads) throws -> Bool {
        if user.role.seesAllAccounts { return true }
        return try reads.hasAccess(user.name, to: account)
    }

    /// Whether `user` may see a record that names `accounts`: any one of them will do.
    static func maySee(_ user: User, accounts: [RecordID], _ reads: any SyncReads) throws -> Bool {
        if user.role.seesAllAccounts { return true }
        return try holdsAny(user.name, of: accounts, reads)
    }

    /// Whether the user named `name` holds access to any of `accounts`.
    static func holdsAny(_ name: String, of accounts: some Sequence<RecordID>, _ reads: any SyncReads) throws -> Bool {
        for account in accounts where try reads.hasAccess(name, to: account) { return true }
        return false
    }

    /// Whether `user` may change `account` and the records on it.
    static func mayWrite(_ user: User, account: RecordID, _ reads: any SyncReads) throws -> Bool {
        guard user.role.mayPush else { return false }
        if user.role.writesAllAccounts { return true }
        return try reads.hasAccess(user.name, to: account)
    }

    /// Whether `user` may change who owns an account.
    static func mayChangeOwner(_ user: User) -> Bool { user.role.writesAllAccounts }

    /// The owners an account names: more than one while its owner is in conflict.
    static func owners(of account: RecordState) -> [String] {
        account["owner"].distinctValues.compactMap(\.text).sorted()
    }

    /// The users who hold access to an account: every current owner, or its
    /// creator while nobody owns it.
    static func holders(of account: RecordState, createdBy: String) -> Set<String> {
        let owners = owners(of: account)
        return owners.isEmpty ? [createdBy] : Set(owners)
    }
}
