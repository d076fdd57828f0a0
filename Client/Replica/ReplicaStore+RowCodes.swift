import KAMProtocol

extension RecordKind {
    /// The number a replica file's `records.kind` column holds for this kind.
    ///
    /// A number takes one byte of a row where the kind's name took up to
    /// twelve, on every record of a territory; SQLite keeps 0 and 1 in the
    /// row's header alone, so the kinds a territory holds most of, activities
    /// and contacts, take none. The numbers are part of the file's layout:
    /// never change or reuse one.
    public var storedCode: Int {
        switch self {
        case .activity: 0
        case .contact: 1
        case .account: 2
        case .opportunity: 3
        case .shareRecord: 4
        case .stageChange: 5
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

extension ReplicaStore {
    /// A record row's `status`: whether the record is shown (not deleted)
    /// and, when it is, whether it has a conflict to settle. One column where
    /// there were two, and the two values most rows hold, 0 and 1, take no
    /// byte of the row. Queries read it as `status <= 1` (shown) and
    /// `status = 1` (shown, in conflict). Part of the file's layout.
    enum RowStatus: Int {
        case shown = 0
        case inConflict = 1
        case hidden = 2

        init(_ index: RecordIndex) {
            self = !index.visible ? .hidden : index.needsResolution ? .inConflict : .shown
        }
    }
}
