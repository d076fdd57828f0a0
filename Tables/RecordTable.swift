import KAMProtocol

/// The CSV columns of each kind of record: what `kam … list --csv` writes,
/// what `kam-server` answers to `Accept: text/csv`, and (for accounts) what
/// `kam account import` reads. Amounts are plain decimals (`1200000.50`),
/// shares plain percentages (`37.5`), so spreadsheets read them as numbers.
///
/// Text typed on a laptop that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is written with a `'` in front, so a spreadsheet shows it
/// instead of running it as a formula; the import takes the `'` off again.
public enum RecordTable {
    /// The account columns: those of `kam account list`, and the rest of an account's fields.
    public static let accountColumns = ["id", "name", "industry", "region", "owner", "tier", "stage", "share", "notes"]

    /// Accounts, one row each, in the order given.
    public static func accounts(_ accounts: [Account]) -> CSVTable {
        CSVTable(header: accountColumns, rows: accounts.map { account in
            [account.id.rawValue, text(account.name), text(account.industry), text(account.region), text(account.owner),
             account.tier?.rawValue ?? "", account.stage.rawValue, account.share?.percentText ?? "", text(account.notes)]
        })
    }

    /// The contact columns; `account` is the account's name, for people reading the file.
    public static let contactColumns = ["id", "account id", "account", "name", "title", "role", "email", "phone", "notes"]

    /// Contacts with their account's name beside its id.
    public static func contacts(_ contacts: [Contact], accountNames: [RecordID: String]) -> CSVTable {
        CSVTable(header: contactColumns, rows: contacts.map { contact in
            [contact.id.rawValue, contact.account.rawValue, text(accountNames[contact.account]), text(contact.name), text(contact.title),
             contact.role?.rawValue ?? "", text(contact.email), text(contact.phone), text(contact.notes)]
        })
    }

    /// The activity columns.
    public static let activityColumns = ["id", "account id", "account", "date", "kind", "author", "note"]

    /// Activities with their account's name beside its id.
    public static func activities(_ activities: [Activity], accountNames: [RecordID: String]) -> CSVTable {
        CSVTable(header: activityColumns, rows: activities.map { activity in
            [activity.id.rawValue, activity.account.rawValue, text(accountNames[activity.account]), activity.date.text,
             activity.kind.rawValue, text(activity.author), text(activity.note)]
        })
    }

    /// The share record columns.
    public static let shareRecordColumns = ["account id", "account", "period", "customer spend", "our sales", "share"]

    /// Share records with their account's name beside its id.
    public static func shareRecords(_ records: [ShareRecord], accountNames: [RecordID: String]) -> CSVTable {
        CSVTable(header: shareRecordColumns, rows: records.map { record in
            [record.account.rawValue, text(accountNames[record.account]), record.period.text, record.customerSpend.plainText,
             record.ourSales.plainText, record.share?.percentText ?? ""]
        })
    }

    /// The first characters with which a spreadsheet reads a cell as a formula.
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// Typed text as a cell: with a `'` in front when a spreadsheet would read it as a formula.
    static func text(_ value: String?) -> String {
        guard let value, let first = value.first else { return "" }
        return formulaStarts.contains(first) ? "'" + value : value
    }

    /// A text cell as it was typed: without the `'` that ``text(_:)`` put in front of a would-be formula.
    public static func unescaped(_ cell: String) -> String {
        guard cell.first == "'", let second = cell.dropFirst().first, formulaStarts.contains(second) else { return cell }
        return String(cell.dropFirst())
    }

    /// A column name as a person may have typed it: case, spaces, `-` and `_` do not matter.
    public static func normalized(_ column: String) -> String {
        column.lowercased().filter { !$0.isWhitespace && $0 != "-" && $0 != "_" }
    }
}
