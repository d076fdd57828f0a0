/// The stage changes in a range of days, up and down, with who, when and why:
/// "which accounts fell back this quarter?".
///
/// A change's day is the UTC day of the time it was recorded.
public struct MovementReport: Hashable, Sendable, Codable {
    public enum Direction: String, Hashable, Sendable, Codable {
        /// A first stage for the account.
        case start
        /// One stage forward.
        case up
        /// Back to an earlier stage.
        case down
        /// The same stage again (a change recorded twice on two laptops, say).
        case same
    }

    public struct Movement: Hashable, Sendable, Codable {
        /// The stage change record.
        public var id: RecordID
        public var account: ReportAccount
        public var from: Stage?
        public var to: Stage
        public var direction: Direction
        /// The share at the time, when recorded.
        public var share: Share?
        public var reason: String?
        public var author: String?
        public var at: Timestamp
    }

    public var range: DayRange
    /// Oldest first.
    public var movements: [Movement]
    public var up: Int
    public var down: Int

    public init(_ data: ReportData, range: DayRange) {
        self.range = range
        let byID = data.accountsByID
        movements = data.stageChanges.compactMap { change in
            guard range.contains(Day(change.at)), let account = byID[change.account] else { return nil }
            let direction: Direction = change.from.map { change.to < $0 ? .down : change.to == $0 ? .same : .up } ?? .start
            return Movement(
                id: change.id, account: ReportAccount(account), from: change.from, to: change.to, direction: direction,
                share: change.share, reason: change.reason, author: change.author, at: change.at)
        }
        .sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        up = movements.filter { $0.direction == .up }.count
        down = movements.filter { $0.direction == .down }.count
    }
}
