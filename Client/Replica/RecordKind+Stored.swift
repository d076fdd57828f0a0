import KAMProtocol

extension RecordKind {
    /// The number a replica file's `records.kind` column holds for this kind.
    ///
    /// A number takes one byte of a row where the kind's name took up to
    /// twelve, on every record of a territory. The numbers are part of the
    /// file's layout: never change or reuse one.
    var storedCode: Int {
        switch self {
        case .account: 1
        case .contact: 2
        case .activity: 3
        case .opportunity: 4
        case .shareRecord: 5
        case .stageChange: 6
        }
    }

    /// The kind a replica file's `records.kind` column names; `nil` for a number no kind has.
    init?(storedCode: Int) {
        guard let kind = Self.allCases.first(where: { $0.storedCode == storedCode }) else { return nil }
        self = kind
    }

    /// `CASE` arms mapping a kind's name to its stored number, for the
    /// migration that moved the column from names to numbers.
    static var storedCodeCases: String {
        allCases.map { "WHEN '\($0.rawValue)' THEN \($0.storedCode)" }.joined(separator: " ")
    }
}
