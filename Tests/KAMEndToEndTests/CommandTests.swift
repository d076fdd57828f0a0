import Foundation
import Hummingbird
import HummingbirdTesting
import KAMClient
import KAMProtocol
import KAMServer
import KAMTables
import Logging
import Testing

/// The `kam` binary, run as a user would: output, messages and exit codes.
@Suite("kam commands")
struct CommandTests {
    static let usage: Int32 = 64

    /// A replica initialised against a server that is not there (port 9).
    func offlineKam() throws -> KamProcess {
        let kam = try KamProcess()
        let result = try kam.run(["init", "--server", "http://127.0.0.1:9", "--token", "kam_x"])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("offline"))
        return kam
    }

    @Test("init checks its input and refuses a second replica in one home")
    func initialise() throws {
        let kam = try KamProcess()
        defer { kam.remove() }
        let noScheme = try kam.run(["init", "--server", "kam.example.com:8080", "--token", "t"])
        #expect(noScheme.status == Self.usage)
        #expect(noScheme.err.contains("needs http:// or https:// in front"))
        let noReplica = try kam.run(["account", "list"])
        #expect(noReplica.status == Self.usage && noReplica.err.contains("kam init"))
        #expect(try kam.run(["init", "--server", "http://127.0.0.1:9", "--token", "t"]).status == 0)
        let again = try kam.run(["init", "--server", "http://127.0.0.1:9", "--token", "t"])
        #expect(again.status == Self.usage && again.err.contains("already lives"))
    }

    @Test("accounts: add prints the id, list lines up Chinese names, show and --json")
    func accounts() throws {
        let kam = try offlineKam()
        defer { kam.remove() }
        let id = try kam.run(["account", "add", "华为技术有限公司", "--region", "华南", "--tier", "gold"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(RecordID(rawValue: id) != nil)
        try kam.run(["account", "add", "ACME Steel", "--owner", "li"])
        let list = try kam.run(["account", "list"])
        #expect(list.status == 0)
        let lines = list.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        // The STAGE column starts at the same display column on every line.
        let columns = lines.map { line -> Int in
            let range = line.range(of: "development") ?? line.range(of: "STAGE")!
            return TextTable.width(String(line[..<range.lowerBound]))
        }
        #expect(Set(columns).count == 1, "\(list.out)")
        let json = try kam.run(["account", "list", "--json"])
        let summaries = try JSONDecoder().decode([AccountSummary].self, from: Data(json.out.utf8))
        #expect(summaries.map(\.name) == ["ACME Steel", "华为技术有限公司"])
        let show = try kam.run(["account", "show", String(id.prefix(8))])
        #expect(show.out.contains("华为技术有限公司") && show.out.contains("stage") && show.out.contains("华南"))
        let detail = try JSONDecoder().decode(AccountDetail.self, from: Data(try kam.run(["account", "show", id, "--json"]).out.utf8))
        #expect(detail.account.tier == .gold)
        #expect(!show.out.contains("\u{1B}["))  // NO_COLOR, and not a terminal
    }

    @Test("bad input gets a message that says what to do, exit 64, and writes nothing")
    func badInput() throws {
        let kam = try offlineKam()
        defer { kam.remove() }
        try kam.run(["account", "add", "ACME"])
        try kam.run(["account", "add", "Globex"])
        let pending = try JSONDecoder().decode(ReplicaStatus.self, from: Data(try kam.run(["status", "--json"]).out.utf8)).pending
        let cases: [([String], String)] = [
            (["stage", "ACME", "famous"], "invalid"),
            (["stage", "ACME", "stable", "--share", "60"], "one stage at a time"),
            (["stage", "ACME", "initial", "--share", "130"], "0 to 100"),
            (["stage", "ACME", "initial", "--share", "60"], "does not fit stage initial"),
            (["stage", "Nobody", "initial"], "no account matches"),
            (["share", "ACME", "--period", "2026-Q5", "--customer-spend", "10", "--our-sales", "1"], "like 2026-Q3"),
            (["share", "ACME", "--period", "2026-Q3", "--customer-spend", "10", "--our-sales", "20"], "exceed"),
            (["share", "ACME", "--period", "2026-Q3", "--customer-spend", "ten", "--our-sales", "1"], "is not an amount"),
            (["activity", "log", "ACME", "--kind", "party", "--note", "x"], "invalid"),
            (["activity", "log", "ACME", "--kind", "visit", "--note", "x", "--date", "2026-02-30"], "calendar day"),
            (["account", "set", "ACME", "--tier", "diamond"], "platinum"),
            (["account", "set", "ACME"], "nothing to change"),
            (["resolve", "ACME", "region", "--keep", "1"], "no conflict"),
            (["resolve", "ACME", "region"], "exactly one of"),
        ]
        for (arguments, message) in cases {
            let result = try kam.run(arguments)
            #expect(result.status == Self.usage, "\(arguments): \(result.status) \(result.err)")
            #expect(result.err.contains(message), "\(arguments): \(result.err)")
        }
        let status = try JSONDecoder().decode(ReplicaStatus.self, from: Data(try kam.run(["status", "--json"]).out.utf8))
        #expect(status.pending == pending)
        // An ambiguous prefix lists the candidates.
        let ids = try JSONDecoder().decode([AccountSummary].self, from: Data(try kam.run(["account", "list", "--json"]).out.utf8)).map(\.id.rawValue)
        let common = String(zip(ids[0], ids[1]).prefix { $0 == $1 }.map(\.0))
        if !common.isEmpty {
            let ambiguous = try kam.run(["account", "show", common])
            #expect(ambiguous.status == Self.usage && ambiguous.err.contains(ids[0]) && ambiguous.err.contains(ids[1]))
        }
    }

    @Test("sync with no server fails clearly with exit 1, and nothing is lost")
    func offlineSync() throws {
        let kam = try offlineKam()
        defer { kam.remove() }
        try kam.run(["account", "add", "ACME"])
        let sync = try kam.run(["sync", "--connect-timeout", "1"])
        #expect(sync.status == 1)
        #expect(sync.err.contains("Nothing is lost"))
        #expect(try kam.run(["account", "list", "--json"]).out.contains("ACME"))
    }

    @Test("two laptops against a live server: init registers, sync, conflicts, resolve, the same everywhere")
    func liveFlow() async throws {
        let store = SyncService(storage: try SQLiteStore.inMemory(), logger: SQLiteStore.quietLogger)
        let liToken = try await store.addUser(name: "li", role: .rep)
        let zhaoToken = try await store.addUser(name: "zhao", role: .manager)
        let app = buildApplication(
            configuration: ServerConfiguration(port: 0, dataDirectory: URL(fileURLWithPath: "/nonexistent")), service: store,
            logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let server = "http://127.0.0.1:\(client.port!)"
            let li = try KamProcess()
            let zhao = try KamProcess()
            defer { li.remove(); zhao.remove() }
            let bad = try KamProcess()
            let refused = try bad.run(["init", "--server", server, "--token", "kam_wrong", "--timeout", "120"])
            #expect(refused.status == 1 && refused.err.contains("refused"))
            #expect(try bad.run(["status"]).status == Self.usage)  // nothing was kept
            #expect(try li.run(["init", "--server", server, "--token", liToken, "--timeout", "120"]).out.contains("registered with \(server) as li"))
            #expect(try zhao.run(["init", "--server", server, "--token", zhaoToken, "--timeout", "120"]).status == 0)

            try li.run(["account", "add", "宝钢"])
            try li.run(["stage", "宝钢", "initial", "--share", "30", "--reason", "trial order"])
            #expect(try li.run(["sync"]).out.contains("pushed"))
            #expect(try zhao.run(["sync"]).status == 0)
            try li.run(["account", "set", "宝钢", "--region", "华东"])
            try zhao.run(["account", "set", "宝钢", "--region", "华北"])
            let liSync = try li.run(["sync", "--json"])
            #expect(liSync.status == 0)
            let zhaoSync = try JSONDecoder().decode(SyncSummary.self, from: Data(try zhao.run(["sync", "--json"]).out.utf8))
            #expect(zhaoSync.newConflicts == 1)
            try li.run(["sync"])
            let liConflicts = try li.run(["conflicts", "--json"]).out
            #expect(liConflicts == (try zhao.run(["conflicts", "--json"]).out))
            #expect(try li.run(["conflicts"]).out.contains("华北"))
            #expect(try li.run(["resolve", "宝钢", "region", "--value", "华东"]).status == 0)
            try li.run(["sync"])
            try zhao.run(["sync"])
            #expect(try zhao.run(["conflicts"]).out.contains("nothing to settle"))
            let detail = try JSONDecoder().decode(AccountDetail.self, from: Data(try zhao.run(["account", "show", "宝钢", "--json"]).out.utf8))
            #expect(detail.account.region == "华东" && detail.account.owner == "li")
            #expect(detail.stageHistory.first?.author == "li")
            let status = try JSONDecoder().decode(ReplicaStatus.self, from: Data(try li.run(["status", "--json"]).out.utf8))
            #expect(status.user == "li" && status.pending == 0 && status.conflicts == 0)
        }
    }
}

/// CSV and reports through the `kam` binary.
extension CommandTests {
    @Test("500 accounts come in from a spreadsheet's CSV and go out again unchanged; a bad line writes nothing")
    func csvRoundTrip() throws {
        let kam = try offlineKam()
        defer { kam.remove() }
        // What a spreadsheet program saves: a byte order mark, CRLF, quotes around commas and line breaks.
        var lines = ["name,industry,region,owner,tier,stage,share,notes"]
        for n in 1...500 {
            let stage = ["development", "initial", "stable", "strategic"][n % 4]
            let share = ["", "35", "62.5", "90"][n % 4]
            let notes = n % 9 == 0 ? "\"第一行, 逗号\n第二行 \"\"引号\"\"\"" : ""
            lines.append("客户 \(n) 有限公司,制造,华东,li,\(["gold", "iron", "lead", ""][n % 4]),\(stage),\(share),\(notes)")
        }
        let file = kam.home.appendingPathComponent("accounts.csv")
        try Data([0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)).write(to: file)

        let dry = try kam.run(["account", "import", file.path, "--dry-run"])
        #expect(dry.status == 0 && dry.out.contains("500 added, 0 updated, 0 unchanged (dry run: nothing written)"))
        func names(_ arguments: [String] = []) throws -> [String] {
            try JSONDecoder().decode([AccountSummary].self, from: Data(try kam.run(["account", "list", "--json"] + arguments).out.utf8)).map(\.name)
        }
        #expect(try names().isEmpty)
        #expect(try kam.run(["account", "import", file.path]).out.contains("500 added"))
        #expect(try kam.run(["account", "import", file.path]).out.contains("0 added, 0 updated, 500 unchanged"))

        let exported = try kam.run(["account", "list", "--csv", "--bom"])
        #expect(exported.status == 0 && exported.out.hasPrefix("\u{FEFF}id,name,industry,region,owner,tier,stage,share,notes\n"))
        let input = try CSVTable(reading: try Data(contentsOf: file))
        let output = try CSVTable(reading: Data(exported.out.utf8))
        let columns = input.header.map { output.header.firstIndex(of: $0)! }
        #expect(Set(output.rows.map { row in columns.map { row.cells[$0] } }) == Set(input.rows.map(\.cells)))

        // A bad line: its number and the reason, exit 1, and nothing written.
        let bad = kam.home.appendingPathComponent("bad.csv")
        try Data("name,tier\nNew One,gold\nNew Two,diamond\n".utf8).write(to: bad)
        let refused = try kam.run(["account", "import", bad.path])
        #expect(refused.status == Self.usage && refused.err.contains("line 3: tier 'diamond' is not known"))
        #expect(refused.err.contains("nothing was written"))
        #expect(try names(["--text", "New"]).isEmpty && names().count == 500)

        // The lists of other records, as CSV too.
        #expect(try kam.run(["contact", "add", "客户 1 有限公司", "王芳", "--role", "decision-maker"]).status == 0)
        #expect(try kam.run(["contact", "list", "--csv"]).out.contains("客户 1 有限公司,王芳,,decision-maker"))
        #expect(try kam.run(["account", "list", "--bom"]).status == Self.usage)
    }

    @Test("kam report answers the office's analyses offline, as JSON and as tables")
    func reports() throws {
        let kam = try offlineKam()
        defer { kam.remove() }
        try kam.run(["account", "add", "华为", "--owner", "li"])
        try kam.run(["share", "华为", "--period", "2026-Q2", "--customer-spend", "1000", "--our-sales", "800"])
        try kam.run(["share", "华为", "--period", "2026-Q3", "--customer-spend", "1000", "--our-sales", "500"])
        try kam.run(["activity", "log", "华为", "--kind", "complaint", "--note", "交货晚了", "--date", "2026-11-20"])
        let pyramid = try JSONDecoder().decode(
            PyramidReport.self, from: Data(try kam.run(["report", "pyramid", "--from", "2026-Q2", "--to", "2026-Q3", "--json"]).out.utf8))
        #expect(pyramid.ourSales == Money(minorUnits: 130_000) && pyramid.accounts.first?.tier == .platinum)
        let declining = try kam.run(["report", "declining"])
        #expect(declining.out.contains("华为") && declining.out.contains("sharp") && declining.out.contains("37.5 %"))
        #expect(try kam.run(["report", "risks"]).out.contains("no-decision-maker"))
        #expect(try kam.run(["report", "complaints", "--from", "2026-11-01"]).out.contains("交货晚了"))
        let empty = try kam.run(["report", "movements", "--from", "2026-12-01", "--to", "2026-11-01"])
        #expect(empty.status == Self.usage && empty.err.contains("'to' must not lie before 'from'"))
    }
}
