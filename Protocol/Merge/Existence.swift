/// The value of a record's deletion register.
///
/// A delete carries the record's causal context at the time: the join of its
/// fields' version vectors. An edit whose dot that context does not cover was
/// made without seeing the delete, so the record stays visible with a
/// delete-versus-edit conflict until someone decides.
public enum Existence: Hashable, Sendable {
    /// The record is kept (written when someone undoes a delete).
    case live
    /// The record was deleted by someone who had seen the fields' writes in `seen`.
    case deleted(seen: VersionVector)

    public var isDeleted: Bool {
        if case .deleted = self { true } else { false }
    }
}

extension Existence: Codable {
    enum CodingKeys: String, CodingKey {
        case deleted
    }

    /// Encoded as the string `"live"`, or `{"deleted": {version vector}}`.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let string = try? single.decode(String.self) {
            guard string == "live" else {
                throw DecodingError.dataCorruptedError(
                    in: single, debugDescription: "existence is \"live\" or {\"deleted\": {…}}, not \"\(string.prefix(40))\"")
            }
            self = .live
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self = .deleted(seen: try container.decode(VersionVector.self, forKey: .deleted))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .live:
            var container = encoder.singleValueContainer()
            try container.encode("live")
        case .deleted(let seen):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(seen, forKey: .deleted)
        }
    }
}
