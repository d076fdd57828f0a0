import KAMProtocol

/// The CSV columns of each kind of record: what `kam … list --csv` writes,
/// what `kam-server` answers to `Accept: text/csv`, and (for accounts) what
/// `kam account import` reads. Amounts are plain decimals (`1200000.50`),
/// shares plain percentages (`37.5`), so spreadsheets read them as numbers.
public enum RecordTable {
    /// The account columns: those of `kam account list`, and the rest of an account's fields.
    public static let accountColumns = ["id", "name", "industry", "region", "owner", "tier", "stage", "share", "notes"]

    public static func accounts(_ accounts: [Account]) -> CSVTable {
        CSVTable(header: accountColumns, rows: accounts.map { account in
            [account.id.rawValue, account.name, account.industry ?? "", account.region ?? "", account.owner ?? "",
             account.tier?.rawValue ?? "", account.stage.rawValue, account.share?.percentText ?? "", account.notes ?? ""]
        })
    }

    public static let contactColumns = ["id", "account id", "account", "name", "title", "role", "email", "phone", "notes"]

    /// Contacts with their account's name beside its id.
    public static func contacts(_ contacts: [Contact], accountNames: [RecordID: String]) -> CSVTable {
        CSVTable(header: contactColumns, rows: contacts.map { contact in
            [contact.id.rawValue, contact.account.rawValue, accountNames[contact.account] ?? "", contact.name, contact.title ?? "",
             contact.role?.rawValue ?? "", contact.email ?? "", contact.phone ?? "", contact.notes ?? ""]
        })
    }

    public static let activityColumns = ["id", "account id", "account", "date", "kind", "author", "note"]

    public static func activities(_ activities: [Activity], accountNames: [RecordID: String]) -> CSVTable {
        CSVTable(header: activityColumns, rows: activities.map { activity in
            [activity.id.rawValue, activity.account.rawValue, accountNames[activity.account] ?? "", activity.date.text,
             activity.kind.rawValue, activity.author ?? "", activity.note ?? ""]
        })
    }

    public static let shareRecordColumns = ["account id", "account", "period", "customer spend", "our sales", "share"]

    public static func shareRecords(_ records: [ShareRecord], accountNames: [RecordID: String]) -> CSVTable {
        CSVTable(header: shareRecordColumns, rows: records.map { record in
            [record.account.rawValue, accountNames[record.account] ?? "", record.period.text, record.customerSpend.plainText,
             record.ourSales.plainText, record.share?.percentText ?? ""]
        })
    }

    /// A column name as a person may have typed it: case, spaces, `-` and `_` do not matter.
    public static func normalized(_ column: String) -> String {
        column.lowercased().filter { !$0.isWhitespace && $0 != "-" && $0 != "_" }
    }
}
