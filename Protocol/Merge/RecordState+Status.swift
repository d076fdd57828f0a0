/// Whether a record is there, gone, or caught between a delete and an edit.
public enum RecordStatus: Hashable, Sendable {
    /// Never deleted, or restored.
    case live
    /// Deleted by someone who had seen every edit.
    case deleted
    /// Deleted on one laptop while edited (or restored) on another. The record
    /// stays visible until a person keeps it (restore) or deletes it again.
    case deleteConflict(DeleteConflict)

    /// Whether the record should be shown: everything but a settled delete.
    public var isVisible: Bool { self != .deleted }
}

/// The two sides of a delete-versus-edit conflict.
public struct DeleteConflict: Hashable, Sendable {
    /// The delete writes (more than one when several people deleted concurrently).
    public let deletes: [Sibling<Existence>]
    /// Field values written without seeing any of the deletes.
    public let concurrentEdits: [FieldSibling]
    /// Whether someone restored the record concurrently with a delete.
    public let concurrentRestore: Bool
}

/// One current value of a named field.
public struct FieldSibling: Hashable, Sendable {
    public let field: String
    public let sibling: Sibling<FieldValue>
}

/// A field with more than one current value.
public struct FieldConflict: Hashable, Sendable {
    public let field: String
    /// The competing values, in dot order; never chosen between by time.
    public let siblings: [Sibling<FieldValue>]
}

extension RecordState {
    /// Whether the record is live, deleted, or in a delete-versus-edit conflict.
    ///
    /// The delete writes carry what their authors had seen. The join of those
    /// contexts is what the deletes knew of; any current field value outside it
    /// was written concurrently and keeps the record visible.
    public var status: RecordStatus {
        let deletes = existence.siblings.filter { $0.value.isDeleted }
        guard !deletes.isEmpty else { return .live }
        var seen = VersionVector()
        for delete in deletes {
            if case .deleted(let context) = delete.value { seen.join(context) }
        }
        var edits: [FieldSibling] = []
        for name in fields.keys.sorted() {
            for sibling in fields[name]!.siblings where !seen.covers(sibling.dot) {
                edits.append(FieldSibling(field: name, sibling: sibling))
            }
        }
        let restored = existence.siblings.contains { !$0.value.isDeleted }
        if edits.isEmpty && !restored { return .deleted }
        return .deleteConflict(DeleteConflict(deletes: deletes, concurrentEdits: edits, concurrentRestore: restored))
    }

    /// The fields with more than one current value, by field name.
    public var conflicts: [FieldConflict] {
        fields.keys.sorted().compactMap { name in
            let register = fields[name]!
            return register.isConflicted ? FieldConflict(field: name, siblings: register.siblings) : nil
        }
    }

    /// Whether a person has something to settle on this record.
    public var needsResolution: Bool {
        if case .deleteConflict = status { return true }
        return fields.values.contains { $0.isConflicted }
    }

    /// One value per field for showing the record: the single value, or for a
    /// field in conflict the value with the greatest dot.
    ///
    /// The pick only lets a conflicted record be printed in a row; it is never
    /// stored and decides nothing. Show ``conflicts`` beside it. Cleared fields
    /// (null) are left out.
    public var displayValues: [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        for (name, register) in fields {
            if let last = register.siblings.last, last.value != .null { values[name] = last.value }
        }
        return values
    }
}
