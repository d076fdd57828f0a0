import Foundation
import Hummingbird
import HummingbirdTesting
@testable import KAMClient
import KAMProtocol
import Testing

/// The `kam` binary and what it trusts: where the token comes from, who may
/// read the replica, and what a value pulled from elsewhere may do to it.
@Suite("kam commands: trust")
struct TrustCommandTests {
    static let usage: Int32 = 64
    static let offline = "http://127.0.0.1:9"

    func config(_ kam: KamProcess) throws -> ReplicaConfiguration {
        try JSONDecoder().decode(ReplicaConfiguration.self, from: Data(try kam.run(["config", "--json"]).out.utf8))
    }

    @Test("init takes the token from KAM_TOKEN or from standard input with --token -; none anywhere is exit 64")
    func initToken() throws {
        let fromEnvironment = try KamProcess()
        let fromInput = try KamProcess()
        let none = try KamProcess()
        defer { fromEnvironment.remove(); fromInput.remove(); none.remove() }
        let environment = try fromEnvironment.run(["init", "--server", Self.offline], input: nil, environment: ["KAM_TOKEN": "kam_environment_0123456789"])
        #expect(environment.status == 0, "\(environment.err)")
        #expect(try config(fromEnvironment).token == "kam_envi…")
        let piped = try fromInput.run(["init", "--server", Self.offline, "--token", "-"], input: "  kam_standard_input_0123456789\n")
        #expect(piped.status == 0, "\(piped.err)")
        #expect(try config(fromInput).token == "kam_stan…")
        let missing = try none.run(["init", "--server", Self.offline], input: nil)
        #expect(missing.status == Self.usage && missing.err.contains("no token given") && missing.err.contains("--token -"))
        let empty = try none.run(["init", "--server", Self.offline, "--token", "-"], input: "\n")
        #expect(empty.status == Self.usage && empty.err.contains("standard input is empty"))
        #expect(try none.run(["status"]).status == Self.usage)  // nothing was created
    }

    @Test("--home may come before the subcommand, nested subcommands included")
    func homeFirst() throws {
        let kam = try KamProcess()
        defer { kam.remove() }
        let home = kam.home.path
        let created = try kam.runRaw(["--home", home, "init", "--server", Self.offline, "--token", "kam_x"])
        #expect(created.status == 0, "\(created.err)")
        #expect(try kam.runRaw(["--home=\(home)", "account", "add", "ACME"]).status == 0)
        let list = try kam.runRaw(["--home", home, "account", "list", "--json"])
        #expect(list.status == 0 && list.out.contains("ACME"), "\(list.err)")
        #expect(try kam.run(["account", "show", "AC"]).out.contains("ACME"))  // the same replica, --home after
    }

    @Test("config shows the replica with the token masked, and changes server, token and CA file keeping every edit")
    func configShowAndChange() throws {
        let kam = try KamProcess()
        defer { kam.remove() }
        #expect(try kam.run(["init", "--server", Self.offline, "--token", "kam_first_token_0123456789"]).status == 0)
        try kam.run(["account", "add", "ACME Steel"])
        try kam.run(["account", "set", "ACME", "--region", "华东"])
        let statusBefore = try JSONDecoder().decode(ReplicaStatus.self, from: Data(try kam.run(["status", "--json"]).out.utf8))
        let shown = try kam.run(["config"])
        #expect(shown.status == 0)
        #expect(shown.out.contains(Self.offline) && shown.out.contains("kam_firs…") && !shown.out.contains("kam_first_token"))
        #expect(shown.out.contains(statusBefore.replica.rawValue))

        let ca = kam.home.appendingPathComponent("ca.pem")
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: ca)
        let changed = try kam.run(["config", "--server", "https://kam.example.com", "--token", "-", "--ca-cert", ca.path], input: "kam_second_token_0123456789\n")
        #expect(changed.status == 0, "\(changed.err)")
        #expect(changed.err.contains("server") && changed.err.contains("token"))
        let after = try config(kam)
        #expect(after.server == "https://kam.example.com" && after.token == "kam_seco…" && after.caCert == ca.path)
        #expect(after.replica == statusBefore.replica && !after.registered)
        let fromEnvironment = try kam.run(["config", "--token-from-env"], input: nil, environment: ["KAM_TOKEN": "kam_third_token_0123456789"])
        #expect(fromEnvironment.status == 0 && fromEnvironment.out.contains("kam_thir…"))
        #expect(try kam.run(["config", "--no-ca-cert", "--json"]).out.contains("caCert") == false)
        let statusAfter = try JSONDecoder().decode(ReplicaStatus.self, from: Data(try kam.run(["status", "--json"]).out.utf8))
        #expect(statusAfter.pending == statusBefore.pending && statusAfter.cursor == statusBefore.cursor)
        #expect(try kam.run(["account", "show", "ACME"]).out.contains("华东"))

        // Mistakes: exit 64, a message saying what to do, nothing changed.
        let cases: [([String], String)] = [
            (["config", "--server", "kam.example.com"], "needs http:// or https:// in front"),
            (["config", "--ca-cert", "/nonexistent/ca.pem"], "cannot read the certificate file"),
            (["config", "--token", "-", "--token-from-env"], "one way"),
            (["config", "--token-from-env"], "KAM_TOKEN is not set"),
        ]
        for (arguments, message) in cases {
            let result = try kam.run(arguments, input: nil)
            #expect(result.status == Self.usage, "\(arguments): \(result.status) \(result.err)")
            #expect(result.err.contains(message), "\(arguments): \(result.err)")
        }
        let empty = try kam.run(["config", "--token", "-"], input: "")
        #expect(empty.status == Self.usage && empty.err.contains("empty"))
        #expect(try config(kam).token == "kam_thir…" && config(kam).server == "https://kam.example.com")
    }

    @Test("an ambiguous start of a name lists the accounts and changes nothing")
    func ambiguousName() throws {
        let kam = try KamProcess()
        defer { kam.remove() }
        try kam.run(["init", "--server", Self.offline, "--token", "kam_x"])
        try kam.run(["account", "add", "ACME Steel"])
        try kam.run(["account", "add", "ACME Shipping"])
        let ambiguous = try kam.run(["stage", "ACME", "initial", "--share", "10"])
        #expect(ambiguous.status == Self.usage)
        #expect(ambiguous.err.contains("ACME Steel") && ambiguous.err.contains("ACME Shipping") && ambiguous.err.contains("more characters"))
        #expect(try kam.run(["stage", "ACME St", "initial", "--share", "10"]).status == 0)
        #expect(try kam.run(["account", "show", "ACME St"]).out.contains("initial"))
    }

    @Test("values pulled with terminal escapes and extreme numbers show on every path, escaped, with no crash")
    func hostileAndExtremeValues() throws {
        let kam = try KamProcess()
        defer { kam.remove() }
        try kam.run(["init", "--server", Self.offline, "--token", "kam_x"])
        try kam.run(["account", "add", "Own"])
        let store = try ReplicaStore.open(home: ReplicaHome(url: kam.home))
        // An edit the server refused, with a hostile message.
        let batch = try #require(try store.pendingBatch(limit: 100))
        let own = try #require(batch.request.records.first?.id)
        try store.acknowledge(batch, PushAcknowledgement(
            accepted: 0, refused: [PushRefusal(kind: .account, id: own, field: nil, code: "not-owner\u{1B}[2J", message: "\u{1B}[31mno\u{9B}1m")], sequence: 0))
        // Values today's server refuses (escape sequences, times outside
        // 1970–9999) can still sit on a server from before: stored here as
        // such a server sent them, for the display paths to show.
        let page = try HostileStates.page()
        #expect(throws: SyncFailure.self) { try store.apply(page) }
        try store.writer.write { db in
            for state in page.records {
                try store.store(db, state)
            }
            for state in page.records where state.kind == .account { try store.refreshFlags(db, account: state.id, known: nil) }
            for (replica, user) in page.authors {
                try db.execute(sql: "INSERT OR REPLACE INTO authors (replica, user_name) VALUES (?, ?)", arguments: [replica.rawValue, user])
            }
        }

        let paths: [[String]] = [
            ["account", "list"], ["account", "show", HostileStates.account.rawValue], ["conflicts"], ["status"], ["refused"],
            ["report", "pipeline"], ["activity", "list"], ["contact", "list"], ["opportunity", "list"],
            ["share", "list", HostileStates.account.rawValue],
        ]
        for path in paths {
            for arguments in [path, path + ["--json"]] {
                let result = try kam.run(arguments)
                #expect(result.status == 0, "\(arguments): \(result.status) \(result.err)")
                for (stream, text) in [("out", result.out), ("err", result.err)] {
                    let controls = text.unicodeScalars.filter { DisplayText.isControl($0) && $0 != "\n" && $0 != "\t" }
                    #expect(controls.isEmpty, "\(arguments) \(stream): \(controls.map { String($0.value, radix: 16) })")
                }
            }
        }
        let show = try kam.run(["account", "show", HostileStates.account.rawValue])
        #expect(show.out.contains("ACME^[[31m") && show.out.contains("<U+009B>"))
        #expect(show.out.contains("\(Int64.min) ms") && show.out.contains("\(Int64.max) ms"))
        let conflicts = try kam.run(["conflicts"]).out
        #expect(conflicts.contains("\(Int64.min)") && conflicts.contains("\(Int64.max)"))
        // JSON keeps the value exactly.
        let detail = try JSONDecoder().decode(AccountDetail.self, from: Data(try kam.run(["account", "show", HostileStates.account.rawValue, "--json"]).out.utf8))
        #expect(detail.account.name == HostileStates.name)
        #expect(detail.shareRecords.contains { $0.customerSpend == Money.maximum })
    }

    /// Runs `body` on a thread of its own and waits without holding one of the concurrency pool's.
    static func detached(_ body: @escaping @Sendable () throws -> KamProcess.Result) async throws -> KamProcess.Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Swift.Result { try body() }) }
        }
    }

    @Test("a server's error message is shown escaped")
    func hostileServerMessage() async throws {
        let router = Router()
        router.post("v1/replicas") { _, _ -> Response in
            let body = #"{"error":{"code":"unauthorized","message":"\u001b[31mgo away\u009b2J"}}"#
            return Response(status: .unauthorized, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let kam = try KamProcess()
            defer { kam.remove() }
            #expect(try kam.run(["init", "--server", "http://127.0.0.1:9", "--token", "kam_x"]).status == 0)
            #expect(try kam.run(["config", "--server", "http://127.0.0.1:\(client.port!)"]).status == 0)
            // Waited for off the test's threads: the server in this process needs them to answer.
            let sync = try await Self.detached { try kam.run(["sync", "--stall-timeout", "5"]) }
            #expect(sync.status == 1)
            #expect(sync.err.contains("^[[31mgo away<U+009B>2J"), "\(sync.err)")
            #expect(!sync.err.unicodeScalars.contains { DisplayText.isControl($0) && $0 != "\n" })
        }
    }
}
