import KAMProtocol

/// A mistake a user can make, or a state the replica cannot act in. Each
/// message says what was wrong and what to do.
public enum ClientError: Error, Hashable, Sendable, CustomStringConvertible {
    case badServerURL(String, String)
    case alreadyInitialised(String)
    case notInitialised(String)
    case unknownAccount(String)
    case ambiguousAccount(String, candidates: [String])
    case unknownRecord(RecordKind, String)
    case ambiguousRecord(RecordKind, String, candidates: [String])
    /// Records of different kinds, or accounts and other records, match.
    case ambiguousReference(String, candidates: [String])
    case recordDeleted(RecordKind, String)
    case fieldInConflict(String, field: String)
    case notInConflict(String, field: String)
    case noSuchValue(Int, count: Int)
    case unknownField(RecordKind, String)
    case nothingToChange
    /// A reassignment from an owner to the same owner.
    case sameOwner(String)
    /// A move to the account the record is already on.
    case alreadyOnAccount(String)
    /// No token was given anywhere `kam init` looks.
    case missingToken
    /// The token given (from where) was empty.
    case emptyToken(String)
    case unreadableCertificate(String)
    case domain(DomainError)
    case stage(StageRuleError)

    public var description: String {
        switch self {
        case .badServerURL(let text, let why):
            "server address '\(text)' is not usable: \(why)"
        case .alreadyInitialised(let path):
            "a replica already lives in \(path): use it as it is, or pass another --home to start a second one"
        case .notInitialised(let path):
            "there is no replica in \(path): run 'kam init --server URL --token TOKEN' first (or pass --home)"
        case .unknownAccount(let text):
            "no account matches '\(text)': give its name or id, or the start of either ('kam account list' shows them)"
        case .ambiguousAccount(let text, let candidates):
            "'\(text)' matches several accounts; type more characters of the name or the id:\n" + candidates.map { "  \($0)" }.joined(separator: "\n")
        case .unknownRecord(let kind, let text):
            "no \(kind) matches '\(text)': give its id or the start of it"
        case .ambiguousRecord(let kind, let text, let candidates):
            "'\(text)' matches several \(kind) records; give more of the id:\n" + candidates.map { "  \($0)" }.joined(separator: "\n")
        case .ambiguousReference(let text, let candidates):
            "'\(text)' matches several records; give more of the id, or of an account's name:\n" + candidates.map { "  \($0)" }.joined(separator: "\n")
        case .recordDeleted(let kind, let text):
            "\(kind) \(text) was deleted"
        case .fieldInConflict(let record, let field):
            "\(field) of \(record) has conflicting values: settle it first with 'kam resolve' ('kam conflicts' lists them)"
        case .notInConflict(let record, let field):
            "\(field) of \(record) has no conflict to resolve"
        case .noSuchValue(let index, let count):
            "there is no value \(index): --keep takes 1 to \(count), as 'kam conflicts' numbers them"
        case .unknownField(let kind, let field):
            "\(kind) has no field '\(field)': use one of \(kind.schema.fieldNames.joined(separator: ", "))"
        case .alreadyOnAccount(let record):
            "\(record) is on that account already: name the account it should move to"
        case .sameOwner(let owner):
            "--from and --to are both \(owner): name the rep the accounts go to with --to"
        case .nothingToChange:
            "nothing to change: give at least one field to set"
        case .missingToken:
            "no token given: pipe it in with '--token -' (one line on standard input), or set KAM_TOKEN, or pass --token TOKEN (that one shows in 'ps' and the shell's history); 'kam-server user add' printed it"
        case .emptyToken(let source):
            "the token from \(source) is empty: give the token 'kam-server user add' printed"
        case .unreadableCertificate(let path):
            "cannot read the certificate file \(path): give a readable PEM file of certificate authorities"
        case .domain(let error):
            error.description
        case .stage(let error):
            error.description
        }
    }
}
