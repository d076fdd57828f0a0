import KAMProtocol

/// Keeps access rows, removals and owner history in step with a merged
/// record, inside one write transaction: the access rule applied to what
/// changed.
///
/// - A user who gains an account gets all of it in their next pull: its
///   registers and owner changes get new sequence numbers.
/// - A user who loses an account gets a removal for it and for each record on
///   it they no longer see any other way, records first, the account last.
/// - A record that moves is removed from the laptops of users who held its old
///   account and not its new one; the new account's readers get all of it.
struct AccessChanges {
    let tx: any SyncTransaction

    /// Brings the access rows of `account` up to date with its merged state
    /// (`before` is what the server held), records an owner change made by
    /// `user`, and returns the last sequence number used.
    func account(
        _ account: RecordState, before: RecordState?, createdBy: String, by user: String?, sequence: UInt64
    ) throws -> UInt64 {
        var sequence = sequence
        let ownersBefore = before.map(AccessRule.owners(of:)) ?? []
        let ownersAfter = AccessRule.owners(of: account)
        if ownersBefore != ownersAfter, let user {
            let written = account["owner"].siblings.filter { sibling in before.map { !$0["owner"].context.covers(sibling.dot) } ?? true }
            sequence += 1
            try tx.addOwnerChange(
                OwnerChange(account: account.id, at: written.map(\.at).max() ?? .now(), by: user, from: ownersBefore, to: ownersAfter),
                sequence: sequence)
        }
        let holders = AccessRule.holders(of: account, createdBy: createdBy)
        let had = try tx.accessUsers(of: account.id)
        let gained = holders.subtracting(had)
        let lost = had.subtracting(holders)
        for name in gained.sorted() { try tx.grantAccess(name, to: account.id) }
        for name in lost.sorted() { try tx.revokeAccess(name, to: account.id) }
        sequence = try removeAccount(
            account.id, from: lost, reason: ownersBefore != ownersAfter ? .reassigned : .accessEnded, owners: ownersAfter,
            sequence: sequence)
        guard !had.isEmpty, !gained.isEmpty else { return sequence }
        return try tx.resequence(account: account.id, after: sequence)
    }

    /// Follows a record whose accounts changed from `before` to `record`'s.
    func move(_ record: RecordState, before: RecordState, sequence: UInt64) throws -> UInt64 {
        let old = Set(RecordIndex.accounts(of: before))
        let new = Set(RecordIndex.accounts(of: record))
        guard old != new else { return sequence }
        var readersBefore: Set<String> = []
        var readersAfter: Set<String> = []
        for account in old { readersBefore.formUnion(try tx.accessUsers(of: account)) }
        for account in new { readersAfter.formUnion(try tx.accessUsers(of: account)) }
        var sequence = sequence
        let left = old.subtracting(new).min() ?? old.min() ?? record.id
        for name in try limited(readersBefore.subtracting(readersAfter)).sorted() {
            sequence += 1
            try tx.addRemoval(Removal(kind: record.kind, id: record.id, account: left, reason: .moved), for: name, sequence: sequence)
        }
        guard !readersAfter.subtracting(readersBefore).isEmpty else { return sequence }
        return try tx.resequence(record: record.id, after: sequence)
    }

    /// Removals for each of `users` who lost `account`: every record on it
    /// they see no other way, then the account.
    func removeAccount(
        _ account: RecordID, from users: Set<String>, reason: Removal.Reason, owners: [String], sequence: UInt64
    ) throws -> UInt64 {
        let users = try limited(users)
        guard !users.isEmpty else { return sequence }
        let records = try tx.recordsNaming(account).sorted { ($0.kind == .account ? 1 : 0, $0.id) < ($1.kind == .account ? 1 : 0, $1.id) }
        var sequence = sequence
        for name in users.sorted() {
            for record in records {
                let others = record.kind == .account ? [] : record.accounts.filter { $0 != account }
                guard try !AccessRule.holdsAny(name, of: others, tx) else { continue }
                sequence += 1
                try tx.addRemoval(
                    Removal(kind: record.kind, id: record.id, account: account, reason: reason, owners: owners), for: name, sequence: sequence)
            }
        }
        return sequence
    }

    /// The users among `users` whose sight access rows limit: those who see
    /// every account never lose anything.
    func limited(_ users: Set<String>) throws -> Set<String> {
        guard !users.isEmpty else { return [] }
        let roles = try tx.roles(of: users)
        return users.filter { roles[$0].map { !$0.seesAllAccounts } ?? true }
    }
}
