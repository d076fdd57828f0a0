import Foundation
import GRDB
import KAMProtocol

extension Replica {
    /// Records the customer's spend and our sales for a period. Two reps
    /// recording the same period meet in one record (its id comes from the
    /// account and the period).
    @discardableResult
    public func recordShare(_ reference: String, period: Period, customerSpend: Money, ourSales: Money) throws -> ShareRecord {
        let id = try resolveAccount(reference)
        let record: ShareRecord
        do { record = try ShareRecord(account: id, period: period, customerSpend: customerSpend, ourSales: ourSales) } catch {
            throw ClientError.domain(error)
        }
        try store.edit { edit in _ = try edit.create(record) }
        return record
    }

    /// Adds a contact to an account.
    @discardableResult
    public func addContact(_ reference: String, name: String, title: String? = nil, role: BuyingRole? = nil,
                           email: String? = nil, phone: String? = nil, notes: String? = nil) throws -> Contact {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ClientError.domain(.emptyText(field: "name")) }
        let contact = Contact(account: try resolveAccount(reference), name: name, title: title, role: role, email: email, phone: phone, notes: notes)
        try store.edit { edit in _ = try edit.create(contact) }
        return contact
    }

    /// The contact fields `contact set` may change.
    public static let settableContactFields = ["name", "title", "role", "email", "phone", "notes"]

    /// Sets fields of a contact (`nil` clears one).
    public func setContact(_ reference: String, _ changes: [String: String?]) throws {
        guard !changes.isEmpty else { throw ClientError.nothingToChange }
        let id = try store.read { db in try Self.resolve(db, reference, kind: .contact) }
        try store.edit { edit in
            for (field, text) in changes.sorted(by: { $0.key < $1.key }) {
                guard Self.settableContactFields.contains(field) else { throw ClientError.unknownField(.contact, field) }
                if field == "name", (text ?? "").trimmingCharacters(in: .whitespaces).isEmpty { throw ClientError.domain(.emptyText(field: "name")) }
                try edit.write(id, kind: .contact, field, text.map(FieldValue.text) ?? .null)
            }
        }
    }

    /// Moves a contact to another account (a buyer changes company, or was
    /// filed on the wrong account). The server takes it only from a user who
    /// may write both accounts. Returns the account it moved to.
    @discardableResult
    public func moveContact(_ reference: String, to accountReference: String) throws -> RecordID {
        let id = try store.read { db in try Self.resolve(db, reference, kind: .contact) }
        let account = try resolveAccount(accountReference)
        try store.edit { edit in
            guard let state = try edit.state(id), state["account"].values != [.text(account.rawValue)] else {
                throw ClientError.alreadyOnAccount(reference)
            }
            try edit.write(id, kind: .contact, "account", .text(account.rawValue))
        }
        return account
    }

    /// Removes a contact.
    public func removeContact(_ reference: String) throws -> RecordID {
        let id = try store.read { db in try Self.resolve(db, reference, kind: .contact) }
        try store.edit { edit in try edit.delete(id, kind: .contact) }
        return id
    }

    /// Logs a visit, call, meeting, email, complaint or note.
    @discardableResult
    public func logActivity(_ reference: String, kind: ActivityKind, note: String?, date: Day) throws -> Activity {
        let activity = Activity(account: try resolveAccount(reference), kind: kind, date: date, note: note, author: author)
        try store.edit { edit in _ = try edit.create(activity) }
        return activity
    }

    /// Records one of the eight openings to move up at an account.
    @discardableResult
    public func addOpportunity(_ reference: String, kind: OpportunityKind, note: String?) throws -> Opportunity {
        let opportunity = Opportunity(account: try resolveAccount(reference), kind: kind, note: note)
        try store.edit { edit in _ = try edit.create(opportunity) }
        return opportunity
    }

    /// The visible records of one kind, of one account or of all.
    public func records<R: KAMRecord>(_: R.Type, account reference: String? = nil) throws -> [R] {
        let account = try reference.map(resolveAccount)
        return try store.read { db in
            let ids = account == nil
                ? "SELECT id FROM records WHERE kind = :kind AND status <= 1"
                : "SELECT id FROM records WHERE kind = :kind AND status <= 1 AND account_id = :account"
            let states = try store.loadRecords(db, ids: ids, arguments: ["kind": R.kind.storedCode, "account": account?.rawValue])
            return states.compactMap { try? R(state: $0) }
        }
    }

    /// The names of accounts by id, for listing records beside their account.
    public func accountNames() throws -> [RecordID: String] {
        try store.read { db in
            var names: [RecordID: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM records WHERE kind = \(RecordKind.account.storedCode)") {
                if let id = RecordID(rawValue: row["id"]) { names[id] = row["name"] ?? id.rawValue }
            }
            return names
        }
    }
}
