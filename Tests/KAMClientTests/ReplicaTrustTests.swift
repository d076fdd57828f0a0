import Foundation
import KAMClient
import KAMProtocol
import Testing

/// Where the token comes from, and connection settings that change without losing anything.
@Suite("Replica trust")
struct ReplicaTrustTests {
    @Test("the token: --token VALUE, '-' for one line of standard input, else KAM_TOKEN; trimmed; empty is an error")
    func tokenInput() throws {
        let env = ["KAM_TOKEN": " kam_from_env \n"]
        #expect(try TokenInput.resolve(option: "kam_typed", environment: env, readLine: { nil }) == "kam_typed")
        #expect(try TokenInput.resolve(option: "-", environment: env, readLine: { "  kam_piped\t" }) == "kam_piped")
        #expect(try TokenInput.resolve(option: nil, environment: env, readLine: { nil }) == "kam_from_env")
        #expect(try TokenInput.resolve(option: nil, environment: env, useEnvironment: false, readLine: { nil }) == nil)
        #expect(try TokenInput.resolve(option: nil, environment: [:], readLine: { "kam_unread" }) == nil)
        #expect(throws: ClientError.emptyToken("standard input")) { try TokenInput.resolve(option: "-", environment: env, readLine: { nil }) }
        #expect(throws: ClientError.emptyToken("KAM_TOKEN")) { try TokenInput.resolve(option: nil, environment: ["KAM_TOKEN": ""], readLine: { nil }) }
        #expect(ClientError.missingToken.description.contains("--token -") && ClientError.missingToken.description.contains("KAM_TOKEN"))
    }

    @Test("a token is shown masked: its first 8 characters at most, and never more than half")
    func maskedToken() {
        #expect(ReplicaConfiguration.mask("kam_0123456789abcdef") == "kam_0123…")
        #expect(ReplicaConfiguration.mask("kam_x") == "ka…")
        #expect(ReplicaConfiguration.mask("") == "…")
    }

    @Test("a new server address, token and CA file keep the replica id, cursor, pending edits, conflicts and refusals")
    func reconfigure() throws {
        let replica = try ReplicaTests.replica()
        let store = replica.store
        // A conflict pulled from another laptop, a cursor, a refusal, and pending edits.
        let acme = try replica.addAccount(Account(name: "ACME", region: "华东"))
        let batch = try #require(try store.pendingBatch(limit: 100))
        try store.acknowledge(batch, PushAcknowledgement(accepted: batch.count, refused: [], sequence: 3))
        var remote = try #require(try store.record(acme.id))
        var clock = DotClock(replica: SafeRetryTests.zhao, counter: 0)
        try replica.setAccount("ACME", ["region": "华南"])
        remote.write("region", .text("华北"), clock: &clock, at: Timestamp(rawValue: 0))
        try store.apply(PullPage(records: [remote.delta(fields: ["region"], existence: false)], authors: [SafeRetryTests.zhao: "zhao"], cursor: 42, hasMore: false))
        try replica.logActivity("ACME", kind: .visit, note: "met the buyer", date: try Day(parsing: "2026-11-23"))
        let visit = try #require(try replica.records(Activity.self).first)
        let refusedBatch = try #require(try store.pendingBatch(limit: 100))
        try store.acknowledge(refusedBatch, PushAcknowledgement(
            accepted: 0, refused: [PushRefusal(kind: .activity, id: visit.id, field: nil, code: "not-owner", message: "not yours")], sequence: 3))
        try replica.setAccount("ACME", ["notes": "pending"])
        try store.markRegistered(user: "li")
        let before = try replica.status()
        #expect(before.conflicts == 1 && before.pending >= 1 && before.refused.count == 1 && before.cursor == 42)

        let changed = try store.reconfigure(ConfigurationChange(
            server: URL(string: "https://kam.example.com")!, token: "kam_new_token_123", caCertificate: .some("/etc/kam/ca.pem")))
        #expect(changed == ["server", "token", "ca-cert"])
        let after = try replica.status()
        #expect(after.replica == before.replica && after.cursor == 42 && after.pending == before.pending)
        #expect(after.conflicts == 1 && after.refused == before.refused && after.user == "li")
        #expect(after.server == "https://kam.example.com" && !after.registered)  // the next sync registers again
        let settings = try store.settings()
        #expect(settings.token == "kam_new_token_123" && settings.caCertificate == "/etc/kam/ca.pem")
        let shown = try store.configuration()
        #expect(shown.token == "kam_new_…" && shown.caCert == "/etc/kam/ca.pem" && shown.replica == before.replica)
        // The same again changes nothing; the CA file can be dropped.
        #expect(try store.reconfigure(ConfigurationChange(server: URL(string: "https://kam.example.com")!)).isEmpty)
        #expect(try store.reconfigure(ConfigurationChange(caCertificate: .some(nil))) == ["ca-cert"])
        #expect(try store.settings().caCertificate == nil)
        #expect(throws: ClientError.self) { try store.reconfigure(ConfigurationChange(token: " ")) }
        #expect(try store.settings().token == "kam_new_token_123")
    }
}
