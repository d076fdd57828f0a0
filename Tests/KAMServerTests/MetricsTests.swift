import Foundation
import Hummingbird
import HummingbirdTesting
import KAMProtocol
import KAMServer
import Testing

@Suite("Metrics")
struct MetricsTests {
    static func application(metricsToken: String? = nil) async throws -> (some ApplicationProtocol, StoreFixture) {
        let fixture = try await StoreFixture()
        let configuration = ServerConfiguration(port: 0, dataDirectory: URL(fileURLWithPath: "/nonexistent"), metricsToken: metricsToken)
        return (buildApplication(configuration: configuration, service: fixture.store), fixture)
    }

    /// The `kam_http_requests_total` lines of a metrics page.
    static func requestLines(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix("kam_http_requests_total{") }
    }

    static func counted(_ lines: [Substring], method: String, route: String, status: Int) -> Bool {
        lines.contains { $0.contains("method=\"\(method)\"") && $0.contains("route=\"\(route)\"") && $0.contains("status=\"\(status)\"") }
    }

    @Test("every 4xx is counted by status and route template, whichever layer refused it")
    func errorsCounted() async throws {
        let (app, fixture) = try await Self.application()
        try await app.test(.router) { client in
            let api = APIHarness(client: client, tokens: fixture.tokens)
            try await api.call(.get, "/v1/sync/pull", expect: .unauthorized)  // the authentication middleware
            try await api.call(.post, "/v1/sync/push", as: "li", body: ByteBuffer(string: "{"), expect: .badRequest)  // decoding
            try await api.call(.post, "/v1/sync/push", as: "office", json: PushRequest(replica: ReplicaID(rawValue: "x")!, records: []), expect: .forbidden)
            try await api.call(.get, "/v1/accounts/secret-id-1", route: "/v1/accounts/{id}", as: "office", expect: .notFound)
            try await api.call(.get, "/v1/accounts/secret-id-2", route: "/v1/accounts/{id}", as: "office", expect: .notFound)
            try await api.call(.get, "/no/such/path", expect: .notFound)
            _ = try await client.execute(uri: "/healthz", method: HTTPRequest.Method("BREW")!, headers: [:], body: nil)
            let text = String(buffer: try await api.call(.get, "/metrics", expect: .ok).body)
            let lines = Self.requestLines(text)
            #expect(Self.counted(lines, method: "GET", route: "/v1/sync/pull", status: 401), "\(lines)")
            #expect(Self.counted(lines, method: "POST", route: "/v1/sync/push", status: 400), "\(lines)")
            #expect(Self.counted(lines, method: "POST", route: "/v1/sync/push", status: 403), "\(lines)")
            #expect(Self.counted(lines, method: "GET", route: "/v1/accounts/{id}", status: 404), "\(lines)")
            #expect(Self.counted(lines, method: "GET", route: "NotFound", status: 404), "\(lines)")
            // Raw paths and made-up methods never become labels.
            #expect(!text.contains("secret-id") && !text.contains("/no/such/path") && !text.contains("BREW"))
            #expect(lines.first { $0.contains("route=\"/v1/accounts/{id}\"") && $0.contains("status=\"404\"") }?.hasSuffix(" 2") == true)
        }
    }

    @Test("with a metrics token, /metrics answers only to it")
    func closed() async throws {
        let (app, _) = try await Self.application(metricsToken: "metrics-secret")
        try await app.test(.router) { client in
            let api = APIHarness(client: client, tokens: [:])
            try await api.call(.get, "/metrics", expect: .unauthorized, code: "unauthorized")
            try await api.call(.get, "/metrics", headers: [.authorization: "Bearer wrong"], expect: .unauthorized, code: "unauthorized")
            try await api.call(.get, "/metrics", headers: [.authorization: "Basic metrics-secret"], expect: .unauthorized, code: "unauthorized")
            let open = try await api.call(.get, "/metrics", headers: [.authorization: "Bearer metrics-secret"], expect: .ok)
            #expect(Self.counted(Self.requestLines(String(buffer: open.body)), method: "GET", route: "/metrics", status: 401))
        }
    }
}
