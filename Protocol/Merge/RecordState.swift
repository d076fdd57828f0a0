/// The merged state of one record: a register per field plus a deletion register.
///
/// Edits to different fields never conflict: each field merges on its own. A
/// state may hold only some of a record's fields; such a partial state is a
/// delta, and joining it into a full state changes only the fields it holds.
/// This is what a push or a pull page carries.
public struct RecordState: Hashable, Sendable {
    public let kind: RecordKind
    public let id: RecordID
    /// The registers of the fields this state holds, by field name.
    public private(set) var fields: [String: Register<FieldValue>]
    /// Whether the record is deleted; empty until someone deletes it.
    public private(set) var existence: Register<Existence>

    /// A state that holds nothing yet.
    public init(kind: RecordKind, id: RecordID) {
        self.kind = kind
        self.id = id
        fields = [:]
        existence = Register()
    }

    /// A state from its parts (as read from storage or the wire).
    public init(
        kind: RecordKind, id: RecordID, fields: [String: Register<FieldValue>],
        existence: Register<Existence> = Register()
    ) {
        self.kind = kind
        self.id = id
        self.fields = fields
        self.existence = existence
    }

    /// The register of `field`, empty if this state does not hold it.
    public subscript(field: String) -> Register<FieldValue> {
        fields[field] ?? Register()
    }

    /// Whether this state holds no field and no deletion.
    public var isEmpty: Bool { fields.isEmpty && existence.context.isEmpty }

    /// Every field write this state has seen: the join of the fields' version vectors.
    public var fieldsContext: VersionVector {
        fields.values.reduce(into: VersionVector()) { $0.join($1.context) }
    }

    // MARK: Local writes

    /// Records a local write of one field with the fresh dot `dot`.
    public mutating func write(_ field: String, _ value: FieldValue, dot: Dot, at: Timestamp) {
        fields[field, default: Register()].write(value, dot: dot, at: at)
    }

    /// Records a local write of one field, taking the next dot from `clock`.
    public mutating func write(_ field: String, _ value: FieldValue, clock: inout DotClock, at: Timestamp) {
        write(field, value, dot: clock.next(), at: at)
    }

    /// Records a local delete. It carries every field write this replica has
    /// seen, so a concurrent edit elsewhere is recognised as such.
    public mutating func delete(clock: inout DotClock, at: Timestamp) {
        existence.write(.deleted(seen: fieldsContext), dot: clock.next(), at: at)
    }

    /// Undoes a delete (or settles a delete-versus-edit conflict by keeping the record).
    public mutating func restore(clock: inout DotClock, at: Timestamp) {
        existence.write(.live, dot: clock.next(), at: at)
    }

    // MARK: Merge

    /// Joins another state of the same record into this one.
    public mutating func join(_ other: RecordState) {
        precondition(kind == other.kind && id == other.id, "joining states of different records")
        for (name, register) in other.fields {
            if let mine = fields[name] {
                fields[name] = mine.joined(with: register)
            } else {
                fields[name] = register
            }
        }
        existence.join(other.existence)
    }

    /// The join of two states of the same record.
    public func joined(with other: RecordState) -> RecordState {
        var result = self
        result.join(other)
        return result
    }

    /// The part of this state that holds only `names` (and the deletion register
    /// when `existence` is true): the delta a replica sends for those changes.
    public func delta(fields names: some Sequence<String>, existence includeExistence: Bool) -> RecordState {
        var result = RecordState(kind: kind, id: id)
        for name in names {
            if let register = fields[name] { result.fields[name] = register }
        }
        if includeExistence { result.existence = existence }
        return result
    }

    /// Dots that both states hold with different values: a reused counter.
    public func reusedDots(comparedWith other: RecordState) -> [Dot] {
        var dots: [Dot] = []
        for (name, register) in other.fields {
            if let mine = fields[name] { dots += mine.reusedDots(comparedWith: register) }
        }
        return dots + existence.reusedDots(comparedWith: other.existence)
    }
}

extension RecordState: Codable {
    enum CodingKeys: String, CodingKey {
        case kind, id, fields, existence
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(RecordKind.self, forKey: .kind)
        id = try container.decode(RecordID.self, forKey: .id)
        fields = try container.decodeIfPresent([String: Register<FieldValue>].self, forKey: .fields) ?? [:]
        existence = try container.decodeIfPresent(Register<Existence>.self, forKey: .existence) ?? Register()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(id, forKey: .id)
        if !fields.isEmpty { try container.encode(fields, forKey: .fields) }
        if !existence.context.isEmpty { try container.encode(existence, forKey: .existence) }
    }
}
