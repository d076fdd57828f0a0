import KAMClient
import KAMProtocol

/// The human form of `kam account show`. Every value goes through a table
/// (which sanitizes its cells) or through `safe`: names and notes come from
/// other laptops and may hold control characters.
struct AccountPrinter {
    let detail: AccountDetail

    func print() {
        let account = detail.account
        Swift.print(terminal.bold(safe(account.name)) + "  " + terminal.dim(account.id.rawValue))
        var facts: [[String]] = [["stage", "\(account.stage) (\(account.stage.chineseName))"]]
        if let share = account.share { facts.append(["share", share.description]) }
        for (label, value) in [("owner", account.owner), ("industry", account.industry), ("region", account.region),
                               ("tier", account.tier?.rawValue)] {
            if let value { facts.append([label, value]) }
        }
        let notes = account.notes.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
        if let first = notes.first { facts.append(["notes", first]) }
        Swift.print(TextTable(headers: ["", ""], rows: facts).renderRows())
        // Notes may run over several lines: the rest line up under the first.
        let indent = String(repeating: " ", count: facts.map { TextTable.width($0[0]) }.max()! + 2)
        for line in notes.dropFirst() { Swift.print(indent + safe(line)) }
        if detail.deleted { Swift.print(terminal.red("deleted on one laptop while edited on another: see 'kam conflicts'")) }
        section("conflicts", detail.conflicts.map { conflict in
            [conflict.field ?? "deleted", conflict.values.map { "\($0.value) (\($0.author ?? $0.replica.rawValue))" }.joined(separator: " | ")]
        }, headers: ["FIELD", "VALUES"], style: terminal.yellow)
        section("review", detail.reviewFlags.map { [$0.message] }, headers: ["FLAG"], style: terminal.yellow)
        if let decline = detail.decline {
            Swift.print(terminal.yellow("declining (\(decline.pace)): our sales fell from \(decline.ourSalesFrom) to \(decline.ourSalesTo) over \(decline.periods) period(s) to \(decline.period) while the customer's spend did not"))
        }
        section("contacts", detail.contacts.map { [short($0.id), $0.name, $0.title ?? "", $0.role.text] }, headers: ["ID", "NAME", "TITLE", "ROLE"])
        for risk in detail.risks { Swift.print(terminal.yellow(risk.description)) }
        section("share records", detail.shareRecords.map { [$0.period.rawValue, $0.customerSpend.description, $0.ourSales.description, $0.share.text] },
                headers: ["PERIOD", "CUSTOMER SPEND", "OUR SALES", "SHARE"])
        section("stage history", detail.stageHistory.map { [$0.at.shown(10), $0.from.text, $0.to.rawValue, $0.share.text, $0.author ?? "", $0.reason ?? ""] },
                headers: ["DATE", "FROM", "TO", "SHARE", "BY", "REASON"])
        section("owner changes", detail.ownerChanges.map { change in
            [change.at.shown(16), change.from.isEmpty ? "(created)" : change.from.joined(separator: " | "), change.to.joined(separator: " | "), change.by]
        }, headers: ["WHEN", "FROM", "TO", "BY"])
        section("opportunities", detail.opportunities.map { [short($0.id), $0.kind.rawValue, $0.status.rawValue, $0.note ?? ""] },
                headers: ["ID", "KIND", "STATUS", "NOTE"])
        section("activities", detail.activities.map { [$0.date.description, $0.kind.rawValue, $0.author ?? "", $0.note ?? ""] },
                headers: ["DATE", "KIND", "BY", "NOTE"])
    }

    private func section(_ title: String, _ rows: [[String]], headers: [String], style: (String) -> String = { $0 }) {
        guard !rows.isEmpty else { return }
        Swift.print("\n" + style(terminal.bold(title)))
        Swift.print(TextTable(headers: headers, rows: rows).render(headerStyle: terminal.dim))
    }
}
