import Foundation
import GRDB
import KAMProtocol

/// A rep's replica and everything they do with it offline: the domain
/// commands check the rules of domain.md before anything is written, and each
/// is one local edit.
public struct Replica: Sendable {
    public let store: ReplicaStore
    /// The name written as author of activities and stage changes.
    public let author: String?

    public init(store: ReplicaStore, author: String? = nil) throws {
        self.store = store
        let user = try store.settings().user
        self.author = author ?? user
    }

    /// Finds an account by id, exact name, or a unique prefix of its id or its name.
    ///
    /// An exact id wins, then an exact name; otherwise the prefix must match one
    /// account only, by id or by name. Several matches are an error that lists
    /// them (name and id), so the user can type more.
    public func resolveAccount(_ reference: String) throws -> RecordID {
        try store.read { db in try Self.resolve(db, reference, kind: .account) }
    }

    static func resolve(_ db: Database, _ reference: String, kind: RecordKind) throws -> RecordID {
        let text = reference.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            throw kind == .account ? ClientError.unknownAccount(reference) : ClientError.unknownRecord(kind, reference)
        }
        let base = "SELECT id, name FROM records WHERE kind = :kind AND status <= 1"
        if let id = RecordID(rawValue: text),
            try Row.fetchOne(db, sql: "\(base) AND id = :id", arguments: ["kind": kind.storedCode, "id": id.rawValue]) != nil
        {
            return id
        }
        var matches: [Row] = []
        if kind == .account {
            matches = try Row.fetchAll(db, sql: "\(base) AND name = :name ORDER BY id LIMIT 11", arguments: ["kind": kind.storedCode, "name": text])
        }
        if matches.isEmpty {
            matches = try Row.fetchAll(
                db, sql: "\(base) AND substr(id, 1, length(:prefix)) = :prefix ORDER BY id LIMIT 11",
                arguments: ["kind": kind.storedCode, "prefix": text])
            if kind == .account {
                let seen = Set(matches.map { $0["id"] as String })
                // substr and length count characters, so a Chinese prefix works as typed.
                matches += try Row.fetchAll(
                    db, sql: "\(base) AND substr(name, 1, length(:prefix)) = :prefix ORDER BY name, id LIMIT 11",
                    arguments: ["kind": kind.storedCode, "prefix": text]
                ).filter { !seen.contains($0["id"]) }
            }
        }
        if matches.count == 1 { return RecordID(rawValue: matches[0]["id"])! }
        guard !matches.isEmpty else {
            throw kind == .account ? ClientError.unknownAccount(reference) : ClientError.unknownRecord(kind, reference)
        }
        let candidates = matches.prefix(10).map { row -> String in
            let id: String = row["id"]
            let name: String? = row["name"]
            return name.map { "\($0)  \(id)" } ?? id
        }
        throw kind == .account
            ? ClientError.ambiguousAccount(reference, candidates: candidates)
            : ClientError.ambiguousRecord(kind, reference, candidates: candidates)
    }

    /// Finds a record of any kind by id or unique id prefix; accounts also by name.
    public func resolveRecord(_ reference: String) throws -> (RecordKind, RecordID) {
        try store.read { db in
            let accountError: any Error
            do { return (.account, try Self.resolve(db, reference, kind: .account)) } catch { accountError = error }
            var found: [(RecordKind, RecordID)] = []
            for kind in RecordKind.allCases where kind != .account {
                if let id = try? Self.resolve(db, reference, kind: kind) { found.append((kind, id)) }
            }
            let others = found.map { "\($0.1)  (\($0.0))" }
            // Several accounts and another record: none is picked.
            if case ClientError.ambiguousAccount(_, let accounts) = accountError, !found.isEmpty {
                throw ClientError.ambiguousReference(reference, candidates: accounts + others)
            }
            guard found.count == 1 else {
                // No other record: the account's own answer (unknown, or ambiguous with its candidates).
                if found.isEmpty { throw accountError }
                throw ClientError.ambiguousReference(reference, candidates: others)
            }
            return found[0]
        }
    }

    /// The single current value of `field`, or an error naming the conflict.
    static func single(_ state: RecordState, _ field: String, label: String) throws -> FieldValue? {
        let register = state[field]
        if register.isConflicted { throw ClientError.fieldInConflict(label, field: field) }
        return register.value
    }
}
