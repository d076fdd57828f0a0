import Foundation
import GRDB
import KAMProtocol

/// Moving many accounts from one owner to another: a rep leaves, or
/// territories are redrawn.
public struct Reassignment: Hashable, Sendable, Codable {
    public var from: String
    public var to: String
    /// The accounts that move, by name.
    public var accounts: [AccountSummary]
}

extension Replica {
    /// The accounts on this laptop that `from` owns (among their owners, when
    /// the owner is in conflict), in `region` and at `stage` when given: what
    /// ``reassign(_:)`` moves.
    public func reassignment(from: String, to: String, region: String? = nil, stage: Stage? = nil) throws -> Reassignment {
        let from = from.trimmingCharacters(in: .whitespaces)
        let to = to.trimmingCharacters(in: .whitespaces)
        guard !from.isEmpty, !to.isEmpty else { throw ClientError.domain(.emptyText(field: "owner")) }
        guard from != to else { throw ClientError.sameOwner(from) }
        do { try RecordKind.account.schema.check(field: "owner", value: .text(to)) } catch { throw ClientError.domain(error) }
        let candidates = try accounts(AccountQuery(stage: stage, region: region, limit: .max))
        let owned = try store.read { db in
            try candidates.filter { summary in
                if summary.owner == from { return true }
                guard let state = try store.loadRecord(db, summary.id) else { return false }
                return state["owner"].distinctValues.contains(.text(from))
            }
        }
        return Reassignment(from: from, to: to, accounts: owned)
    }

    /// The user names this laptop has seen: its own user, the authors of
    /// what it pulled, and the accounts' owners.
    public func knownUsers() throws -> Set<String> {
        try store.read { db in
            var names = Set(try Self.authors(db).values)
            names.formUnion(try String.fetchAll(db, sql: "SELECT DISTINCT owner FROM records WHERE kind = \(RecordKind.account.storedCode) AND owner IS NOT NULL"))
            return names
        }
    }

    /// Makes `to` the owner of every account in `plan`, in one local edit;
    /// the server takes it at the next sync (only managers and admins may).
    public func reassign(_ plan: Reassignment) throws {
        try store.edit { edit in
            for account in plan.accounts { try edit.write(account.id, kind: .account, "owner", .text(plan.to)) }
        }
    }
}
