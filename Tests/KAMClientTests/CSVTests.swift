import Foundation
import Hummingbird
import HummingbirdTesting
import KAMClient
import KAMProtocol
import KAMServer
import KAMTables
import Logging
import Testing

/// Accounts in and out as CSV: the file form, `kam account import`, and the server's `text/csv` answers.
@Suite("CSV in and out")
struct CSVTests {
    static func replica(author: String? = "li") throws -> Replica {
        let settings = ReplicaSettings(replica: .random(), server: URL(string: "http://127.0.0.1:9")!, token: "kam_test")
        return try Replica(store: try ReplicaStore.inMemory(settings: settings), author: author)
    }

    static func table(_ text: String) throws -> CSVTable { try CSVTable(reading: Data(text.utf8)) }

    /// 500 accounts with what spreadsheets make hard: Chinese, commas, quotes, line breaks, empty cells.
    static func fiveHundred() -> String {
        var lines = ["name,industry,region,owner,tier,stage,share,notes"]
        let stages: [(Stage, String)] = [(.development, ""), (.initial, "35"), (.stable, "62.5"), (.strategic, "90")]
        for n in 1...500 {
            let (stage, share) = stages[n % 4]
            let tier = n % 5 == 0 ? "" : Tier.allCases[n % 4].rawValue
            let notes = n % 7 == 0 ? "\"第一行, 有逗号\n第二行 \"\"引号\"\"\"" : n % 3 == 0 ? "" : "客户备注 \(n)"
            let name = n % 11 == 0 ? "\"Acme, Inc. \(n)\"" : "客户 \(n) 有限公司"
            lines.append([name, n % 2 == 0 ? "制造" : "", "华东", "li", tier, stage.rawValue, share, notes].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    @Test("a file reads the same with or without a byte order mark, with CRLF, quoted line breaks and true line numbers")
    func readsFiles() throws {
        let text = "name,notes\r\n\"A\",\"two\nlines\"\r\n\r\nB,\"say \"\"hi\"\"\"\r\n"
        let plain = try Self.table(text)
        let marked = try CSVTable(reading: Data(CSVTable.byteOrderMark + Array(text.utf8)))
        #expect(plain == marked)
        #expect(plain.header == ["name", "notes"])
        #expect(plain.rows.map(\.cells) == [["A", "two\nlines"], ["B", "say \"hi\""]])
        #expect(plain.rows.map(\.line) == [2, 5])
        // What is written reads back the same.
        #expect(try CSVTable(reading: plain.data(byteOrderMark: true)).rows.map(\.cells) == plain.rows.map(\.cells))
        #expect(plain.data(byteOrderMark: true).starts(with: CSVTable.byteOrderMark))
        #expect(throws: CSVTableError.notUTF8) { try CSVTable(reading: Data([0x6E, 0x61, 0xFF, 0x0A])) }
        #expect(throws: CSVTableError.noHeader) { try CSVTable(reading: Data()) }
    }

    @Test("500 accounts come in from a CSV file and go out again unchanged; a second import changes nothing")
    func roundTrip() throws {
        let replica = try Self.replica()
        let input = try Self.table(Self.fiveHundred())
        let dry = try replica.importAccounts(input, source: "accounts.csv", dryRun: true)
        #expect(dry.added.count == 500 && !dry.written && dry.problems.isEmpty)
        #expect(try replica.accounts().isEmpty)

        let report = try replica.importAccounts(input, source: "accounts.csv", dryRun: false)
        #expect(report.added.count == 500 && report.written)
        let output = try replica.accountTable()
        #expect(output.header == RecordTable.accountColumns)
        // Out again: the same cells under the same columns, whatever the order.
        func rows(_ table: CSVTable) -> Set<[String]> {
            let columns = input.header.map { name in table.header.firstIndex(of: name)! }
            return Set(table.rows.map { row in columns.map { row.cells[$0] } })
        }
        #expect(rows(output) == rows(input))
        let exported = try CSVTable(reading: output.data(byteOrderMark: true))
        #expect(rows(exported) == rows(input))

        // Importing the same file, or what was exported, again changes nothing.
        let again = try replica.importAccounts(input, source: "accounts.csv", dryRun: false)
        #expect(again.added.isEmpty && again.updated.isEmpty && again.unchanged == 500)
        let back = try replica.importAccounts(exported, source: "export.csv", dryRun: false)
        #expect(back.added.isEmpty && back.updated.isEmpty && back.unchanged == 500)
        #expect(try replica.accounts().count == 500)
        // Accounts past development start their history with the import.
        let stable = try #require(try replica.accounts().first { $0.stage == .stable })
        #expect(try replica.account(stable.id.rawValue).stageHistory.map(\.reason) == ["imported from accounts.csv"])
    }

    @Test("a bad line is reported with its line number and reason, and nothing is written")
    func badLines() throws {
        let replica = try Self.replica()
        try replica.addAccount(Account(name: "Existing", stage: .stable, share: try Share(percent: 60)))
        let file = """
            Name,Tier,Stage,Share
            Good,gold,initial,10
            Diamond Co,diamond,,
            ,gold,,
            Too High,,initial,90
            Existing,,development,
            Existing Twice,,,
            Existing Twice,,,
            Leaps,,stable,
            """
        let report = try replica.importAccounts(try Self.table(file), source: "bad.csv", dryRun: false)
        #expect(!report.written)
        #expect(report.problems.map(\.line) == [3, 4, 5, 6, 8])
        #expect(report.problems[0].message.contains("tier 'diamond' is not known"))
        #expect(report.problems[1].message.contains("name is empty"))
        #expect(report.problems[2].message.contains("does not fit stage initial"))
        #expect(report.problems[3].message.contains("needs a reason"))
        #expect(report.problems[4].message.contains("is on line 7 too"))
        #expect(try replica.accounts().map(\.name) == ["Existing"])

        let columns = try replica.importAccounts(try Self.table("name,colour\nA,red\n"), source: "c.csv", dryRun: false)
        #expect(columns.problems.map(\.line) == [1] && columns.problems[0].message.contains("'colour' is not an account field"))
        let noName = try replica.importAccounts(try Self.table("tier\ngold\n"), source: "c.csv", dryRun: false)
        #expect(noName.problems.first?.message.contains("no 'name' column") == true)
        // A new account may start at any stage ('Leaps' is fine), but nothing is written while other lines are bad.
        #expect(try replica.accounts().count == 1)
    }

    @Test("text a spreadsheet would run as a formula goes out with a ' in front and comes back without it")
    func formulas() throws {
        let replica = try Self.replica()
        try replica.addAccount(Account(name: "=HYPERLINK(\"http://evil\")", region: "+86", notes: "-5 % this quarter"))
        let table = try replica.accountTable()
        #expect(table.rows[0].cells[1] == "'=HYPERLINK(\"http://evil\")" && table.rows[0].cells[3] == "'+86")
        #expect(table.rows[0].cells[8] == "'-5 % this quarter")
        let again = try replica.importAccounts(try CSVTable(reading: table.data()), source: "x.csv", dryRun: false)
        #expect(again.unchanged == 1 && again.updated.isEmpty)
        // Matched by name too, without the id column.
        let byName = try replica.importAccounts(try Self.table("name,region\n\"'=HYPERLINK(\"\"http://evil\"\")\",'+86\n"), source: "y.csv", dryRun: false)
        #expect(byName.unchanged == 1 && byName.added.isEmpty)
        #expect(try replica.accounts().map(\.name) == ["=HYPERLINK(\"http://evil\")"])
    }

    @Test("a quote that is never closed is refused with its line, not read into one long cell")
    func unclosedQuote() throws {
        #expect(throws: CSVTableError.unclosedQuote(line: 3)) { try Self.table("name,notes\nA,fine\nB,\"starts here\nC,\nD,\n") }
        #expect(throws: Never.self) { try Self.table("name,notes\nA,\"two\nlines, \"\"quoted\"\"\"\nB,say \"hi\" inside\n") }
    }

    @Test("an import leaves conflicts and old disagreements to people: a changed field in conflict is refused, an unchanged line is fine")
    func conflictsAndBands() throws {
        let replica = try Self.replica()
        // A stage and share that disagree (as two laptops can leave them): unchanged, the line passes.
        let acme = try replica.addAccount(Account(name: "ACME", region: "华东", stage: .stable, share: try Share(percent: 60)))
        try replica.store.edit { edit in try edit.write(acme.id, kind: .account, "share", try Share(percent: 20).fieldValue) }
        let unchanged = try replica.importAccounts(try Self.table("name,stage,share\nACME,stable,20\n"), source: "u.csv", dryRun: false)
        #expect(unchanged.problems.isEmpty && unchanged.unchanged == 1)
        let moved = try replica.importAccounts(try Self.table("name,stage,share\nACME,strategic,20\n"), source: "u.csv", dryRun: false)
        #expect(moved.problems.first?.message.contains("does not fit stage strategic") == true)

        // A region with two values: the import may not pick one.
        var other = DotClock(replica: ReplicaID(rawValue: "other-laptop")!)
        var theirs = RecordState(kind: .account, id: acme.id)
        theirs.write("region", .text("华南"), clock: &other, at: .now())
        try replica.store.apply(PullPage(records: [theirs], authors: [:], cursor: 1, hasMore: false))
        #expect(try replica.account("ACME").conflicts.count == 1)
        let refused = try replica.importAccounts(try Self.table("name,region\nACME,华北\n"), source: "u.csv", dryRun: false)
        #expect(refused.problems.first?.message.contains("several values for region") == true && !refused.written)
    }

    @Test("updates match by name, or by id to rename; an empty cell clears, a missing column leaves alone; one stage forward")
    func updates() throws {
        let replica = try Self.replica()
        let acme = try replica.addAccount(Account(name: "ACME", region: "华东", owner: "li", tier: .gold, notes: "keep"))
        let report = try replica.importAccounts(
            try Self.table("name,region,tier,stage,share\nACME,华南,,initial,20\n"), source: "u.csv", dryRun: false)
        #expect(report.updated.map(\.fields) == [["region", "share", "stage", "tier"]])
        let detail = try replica.account("ACME")
        #expect(detail.account.region == "华南" && detail.account.tier == nil && detail.account.notes == "keep")
        #expect(detail.account.stage == .initial && detail.stageHistory.map(\.from) == [.development])
        let renamed = try replica.importAccounts(
            try Self.table("id,name\n\(acme.id),ACME Holdings\n"), source: "u.csv", dryRun: false)
        #expect(renamed.updated.map(\.fields) == [["name"]])
        #expect(try replica.accounts().map(\.name) == ["ACME Holdings"])
    }

    @Test("the server answers text/csv with every matching account, not one page; an Accept it cannot serve gets 406")
    func serverCSV() async throws {
        try await SyncIntegrationTests.runLive { client, setup in
            let (li, liSync) = try SyncIntegrationTests.laptop("li", port: try #require(client.port), setup: setup)
            var lines = ["name,region,owner,stage,share,notes"]
            for n in 1...150 { lines.append("客户 \(n),华东,li,\(n % 2 == 0 ? "initial" : "development"),\(n % 2 == 0 ? "30" : ""),\"备注, \(n)\"") }
            #expect(try li.importAccounts(try Self.table(lines.joined(separator: "\n")), source: "a.csv", dryRun: false).added.count == 150)
            _ = try await liSync.sync()
            // An account of wang's, which li may not see in any form.
            let (zhao, zhaoSync) = try SyncIntegrationTests.laptop("zhao", port: try #require(client.port), setup: setup)
            try zhao.addAccount(Account(name: "Wang's secret account", owner: "wang"))
            _ = try await zhaoSync.sync()

            func get(_ path: String, accept: String?) async throws -> TestResponse {
                var headers: HTTPFields = [.authorization: "Bearer \(setup.tokens["li"]!)"]
                if let accept { headers[.accept] = accept }
                return try await client.execute(uri: path, method: .get, headers: headers, body: nil)
            }
            let csv = try await get("/v1/accounts?bom=true", accept: "text/csv")
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            let body = Data(buffer: csv.body)
            #expect(body.starts(with: CSVTable.byteOrderMark))
            let table = try CSVTable(reading: body)
            #expect(table.rows.count == 150 && !String(decoding: body, as: UTF8.self).contains("Wang's"))
            #expect(csv.headers[.vary] == "Accept")
            // The same rows the laptop writes.
            #expect(table == (try CSVTable(reading: li.accountTable().data())))
            let filtered = try CSVTable(reading: Data(buffer: try await get("/v1/accounts?stage=initial", accept: "text/csv;q=0.9, application/json;q=0.5").body))
            let unmarked = Data(buffer: try await get("/v1/accounts?stage=initial", accept: "text/csv").body)
            #expect(filtered.rows.count == 75 && !unmarked.starts(with: CSVTable.byteOrderMark))

            // JSON stays the default and is paged.
            for accept in [nil, "*/*", "application/json", "text/csv;q=0.1, application/*"] {
                let json = try await get("/v1/accounts", accept: accept)
                #expect(json.status == .ok && json.headers[.contentType]?.hasPrefix("application/json") == true, "\(accept ?? "none")")
                #expect(try WireFormat.decoder().decode(AccountList.self, from: Data(buffer: json.body)).accounts.count == 100)
            }
            for accept in ["application/xml", "text/csv;q=0, application/json;q=0", "image/*"] {
                let refused = try await get("/v1/accounts", accept: accept)
                #expect(refused.status == .notAcceptable && String(buffer: refused.body).contains("application/json or text/csv"), "\(accept)")
            }
            let riskCSV = try await get("/v1/reports/risks", accept: "text/csv")
            #expect(riskCSV.status == .notAcceptable)
            let riskJSON = try await get("/v1/reports/risks", accept: "text/*, application/json;q=0.2")
            #expect(riskJSON.status == .ok)
        }
    }
}
