import Foundation
import GRDB
import KAMProtocol
import KAMTables

/// What `kam account import` did, or would do with `--dry-run`.
public struct AccountImportReport: Hashable, Sendable, Codable {
    /// One account added or updated, by the line it came from.
    public struct Change: Hashable, Sendable, Codable {
        public var line: Int
        public var id: RecordID
        public var name: String
        /// The fields written: for an update, only those that changed.
        public var fields: [String]
    }

    /// A line that cannot be imported, and why.
    public struct Problem: Hashable, Sendable, Codable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public var added: [Change] = []
    public var updated: [Change] = []
    /// Accounts the file names with nothing new.
    public var unchanged = 0
    /// Every line that cannot be imported; when there is any, nothing is written.
    public var problems: [Problem] = []
    /// Whether the accounts were written (not a dry run, and no problem).
    public var written = false
}

extension Replica {
    /// The accounts matching `query` as a CSV table, in list order, with every field.
    public func accountTable(_ query: AccountQuery = AccountQuery(limit: Int.max)) throws -> CSVTable {
        let records = Dictionary(try records(Account.self).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return RecordTable.accounts(try accounts(query).compactMap { records[$0.id] })
    }

    /// Imports accounts from a CSV table with the columns of ``RecordTable/accountColumns``
    /// (`name` required, any others; names match whatever their case, spaces, `-` or `_`).
    ///
    /// A row updates the account its `id` names, else the one of the same
    /// name, else adds one, so importing a file twice changes nothing the
    /// second time. A column present with an empty cell clears that field; a
    /// column left out leaves it alone. A new account with no owner is the
    /// author's; one at a stage past development starts its stage history
    /// with the import. An existing account moves one stage forward at most
    /// (moving back needs a reason: `kam stage`), and a field in conflict is
    /// left for `kam resolve`. A share is checked against its stage when
    /// either changes. A leading `'` that ``RecordTable`` wrote to keep a
    /// spreadsheet from reading a formula is taken off. Every row is checked
    /// first: with any problem, or with `dryRun`, nothing is written.
    public func importAccounts(_ table: CSVTable, source: String, dryRun: Bool) throws -> AccountImportReport {
        try store.edit { edit in
            var plan = AccountImportPlan(header: table.header, author: author, source: source)
            if plan.report.problems.isEmpty {
                let states = try store.loadRecords(edit.db, ids: "SELECT id FROM records WHERE kind = \(RecordKind.account.storedCode) AND status <= 1")
                plan.index(states.compactMap { state in
                    (try? Account(state: state)).map { ($0, Set(state.conflicts.map(\.field))) }
                })
                for row in table.rows { plan.add(row) }
            }
            guard plan.report.problems.isEmpty, !dryRun else { return plan.report }
            for step in plan.steps {
                switch step {
                case .add(let account, let stageChange):
                    try edit.create(account)
                    if let stageChange { try edit.create(stageChange) }
                case .update(let id, let values, let stageChange):
                    for (field, value) in values.sorted(by: { $0.key < $1.key }) { try edit.write(id, kind: .account, field, value) }
                    if let stageChange { try edit.create(stageChange) }
                }
            }
            var report = plan.report
            report.written = true
            return report
        }
    }
}

/// Checks the rows of an import one by one and lists what to write.
struct AccountImportPlan {
    enum Step {
        case add(Account, StageChange?)
        case update(RecordID, [String: FieldValue], StageChange?)
    }

    let author: String?
    let reason: String
    /// The account field each column holds, by position.
    var columns: [String?] = []
    var report = AccountImportReport()
    var steps: [Step] = []
    private var byID: [RecordID: Account] = [:]
    /// The fields of each account that hold several values (a conflict a person has to settle).
    private var conflicted: [RecordID: Set<String>] = [:]
    private var byName: [String: [Account]] = [:]
    /// The line each account (by id) or new name was first taken from.
    private var seenIDs: [RecordID: Int] = [:]
    private var seenNames: [String: Int] = [:]
    private let now = Timestamp.now()

    init(header: [String], author: String?, source: String) {
        self.author = author
        reason = "imported from \(source)"
        var taken: Set<String> = []
        let known = Dictionary(RecordTable.accountColumns.map { (RecordTable.normalized($0), $0) }, uniquingKeysWith: { a, _ in a })
        for column in header {
            let trimmed = column.trimmingCharacters(in: .whitespaces)
            guard let field = known[RecordTable.normalized(trimmed)] else {
                problem(1, trimmed.isEmpty ? "a column has no name: name it or remove it" :
                    "column '\(trimmed.prefix(40))' is not an account field: use \(RecordTable.accountColumns.joined(separator: ", "))")
                columns.append(nil)
                continue
            }
            if !taken.insert(field).inserted { problem(1, "column '\(field)' appears twice: keep one") }
            columns.append(field)
        }
        if !taken.contains("name") { problem(1, "there is no 'name' column: every account needs its name") }
    }

    mutating func index(_ accounts: [(Account, conflicted: Set<String>)]) {
        for (account, fields) in accounts {
            byID[account.id] = account
            conflicted[account.id] = fields
            byName[account.name, default: []].append(account)
        }
    }

    mutating func problem(_ line: Int, _ message: String) {
        report.problems.append(.init(line: line, message: message))
    }

    mutating func add(_ row: CSVTable.Row) {
        let line = row.line
        guard row.cells.count <= columns.count else {
            return problem(line, "\(row.cells.count) cells, but the header names \(columns.count) columns")
        }
        // Cells left off the end of a line are empty.
        var cells: [String: String] = [:]
        for (index, field) in columns.enumerated() {
            if let field { cells[field] = index < row.cells.count ? row.cells[index].trimmingCharacters(in: .whitespaces) : "" }
        }
        let problemsBefore = report.problems.count
        guard let name = cells["name"].map(RecordTable.unescaped), !name.isEmpty else {
            return problem(line, "the name is empty: every account needs its name")
        }

        // Which account the line is about.
        var target: Account?
        if let text = cells["id"], !text.isEmpty {
            guard let id = RecordID(rawValue: text), let account = byID[id] else {
                return problem(line, "there is no account with id '\(text.prefix(40))' on this laptop: leave the id empty to add the account")
            }
            target = account
        } else if let matches = byName[name] {
            guard matches.count == 1 else {
                return problem(line, "\(matches.count) accounts are named '\(name)' on this laptop: give the id of the one to update")
            }
            target = matches[0]
        }
        if let target {
            if let first = seenIDs[target.id] { return problem(line, "'\(target.name)' is on line \(first) too: keep one line per account") }
            seenIDs[target.id] = line
        } else {
            if let first = seenNames[name] { return problem(line, "'\(name)' is on line \(first) too: keep one line per account") }
            seenNames[name] = line
        }

        // The values, each checked as `kam account` checks it.
        var values: [String: FieldValue] = [:]
        for (field, typed) in cells where field != "id" && field != "stage" {
            let text = RecordTable.unescaped(typed)
            if text.isEmpty {
                values[field] = .null
                continue
            }
            switch field {
            case "tier":
                guard let tier = Tier(rawValue: text.lowercased()) else {
                    problem(line, "tier '\(text.prefix(40))' is not known: use \(Tier.allCases.map(\.rawValue).joined(separator: ", ")), or leave it empty")
                    continue
                }
                values[field] = tier.fieldValue
            case "share":
                do { values[field] = try Share(parsing: text).fieldValue } catch { problem(line, error.description) }
            default:
                values[field] = .text(text)
            }
            if let value = values[field] {
                do { try RecordKind.account.schema.check(field: field, value: value) } catch {
                    problem(line, error.description)
                    values[field] = nil
                }
            }
        }
        var stage = target?.stage ?? .development
        if let text = cells["stage"], !text.isEmpty {
            guard let parsed = Stage(rawValue: text.lowercased()) else {
                return problem(line, "stage '\(text.prefix(40))' is not known: use \(Stage.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            stage = parsed
        }
        let share: Share? = values["share"].flatMap { try? Share(fieldValue: $0, field: "share") } ?? (values.keys.contains("share") ? nil : target?.share)
        // A stage and share that already disagree stay as they are (a person settles them);
        // what the line changes must fit together.
        let stageOrShareChanges = target.map { stage != $0.stage || (values.keys.contains("share") && share != $0.share) } ?? true
        if stageOrShareChanges, let share, !stage.band.contains(share) {
            problem(line, "share \(share) does not fit stage \(stage) (\(stage.band)): correct the share or the stage")
        }
        guard report.problems.count == problemsBefore else { return }

        guard let target else {
            var fields = values.filter { $0.value != .null }
            if fields["owner"] == nil, let author { fields["owner"] = .text(author) }
            fields["name"] = .text(name)
            fields["stage"] = stage.fieldValue
            let account: Account
            do { account = try Account(id: .random(), values: fields) } catch { return problem(line, error.description) }
            let change = stage == .development ? nil : StageChange(account: account.id, from: nil, to: stage, share: share, reason: reason, author: author, at: now)
            steps.append(.add(account, change))
            report.added.append(.init(line: line, id: account.id, name: name, fields: fields.keys.sorted()))
            return
        }
        let current = target.fieldValues
        var changed = values.filter { field, value in (current[field] ?? .null) != value }
        if stage != target.stage { changed["stage"] = stage.fieldValue }
        // A field with several values is for a person to settle; an import would pick one without anyone seeing.
        let unsettled = Set(changed.keys).intersection(conflicted[target.id] ?? []).sorted()
        guard unsettled.isEmpty else {
            return problem(line, "'\(target.name)' has several values for \(unsettled.joined(separator: ", ")) (a conflict): settle it with kam resolve, then import")
        }
        var stageChange: StageChange?
        if stage != target.stage {
            do { try StageRules.checkTransition(from: target.stage, to: stage, reason: nil) } catch {
                return problem(line, stage < target.stage
                    ? "'\(target.name)' is at \(target.stage); moving back to \(stage) needs a reason: kam stage '\(target.name)' \(stage) --reason TEXT"
                    : error.description)
            }
            stageChange = StageChange(account: target.id, from: target.stage, to: stage, share: share, reason: reason, author: author, at: now)
        }
        if changed.isEmpty {
            report.unchanged += 1
            return
        }
        steps.append(.update(target.id, changed, stageChange))
        report.updated.append(.init(line: line, id: target.id, name: target.name, fields: changed.keys.sorted()))
    }
}
