/// The complaints collected from every rep, by account: the account with the
/// newest complaint first, and each account's complaints newest first.
public struct ComplaintReport: Hashable, Sendable, Codable {
    public struct Complaint: Hashable, Sendable, Codable {
        /// The activity record.
        public var id: RecordID
        public var date: Day
        public var author: String?
        public var note: String?
    }

    public struct AccountComplaints: Hashable, Sendable, Codable {
        public var account: ReportAccount
        public var complaints: [Complaint]
    }

    public var range: DayRange
    public var accounts: [AccountComplaints]
    /// How many complaints, over all accounts.
    public var total: Int

    public init(_ data: ReportData, range: DayRange) {
        self.range = range
        let byID = data.accountsByID
        let complaints = data.activities.filter { $0.kind == .complaint && range.contains($0.date) }
        accounts = Dictionary(grouping: complaints, by: \.account).compactMap { id, activities in
            guard let account = byID[id] else { return nil }
            let newestFirst = activities.sorted { ($1.date, $1.id) < ($0.date, $0.id) }
            return AccountComplaints(
                account: ReportAccount(account),
                complaints: newestFirst.map { Complaint(id: $0.id, date: $0.date, author: $0.author, note: $0.note) })
        }
        .sorted { a, b in
            let (x, y) = (a.complaints[0], b.complaints[0])
            return (y.date, y.id, a.account.id) < (x.date, x.id, b.account.id)
        }
        total = complaints.count
    }
}
