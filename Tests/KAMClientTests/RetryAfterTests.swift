import Foundation
import KAMClient
import KAMProtocol
import Testing

/// Answers each request with the next scripted answer, and remembers the requests.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [HTTPResult]
    private(set) var requests: [HTTPRequestSpec] = []

    init(_ answers: [HTTPResult]) { self.answers = answers }

    func send(_ request: HTTPRequestSpec, progress: (@Sendable (TransferProgress) -> Void)?) async throws -> HTTPResult {
        lock.withLock {
            requests.append(request)
            return answers.isEmpty ? HTTPResult(status: 599) : answers.removeFirst()
        }
    }
}

@Suite("Busy server")
struct RetryAfterTests {
    @Test("Retry-After in seconds is honoured up to the bound; a date or nonsense falls back to the backoff")
    func retryAfter() {
        #expect(SyncEngine.retryAfter("3", maximum: .seconds(30)) == .seconds(3))
        #expect(SyncEngine.retryAfter(" 0 ", maximum: .seconds(30)) == .zero)
        #expect(SyncEngine.retryAfter("99999999999", maximum: .seconds(30)) == .seconds(30))
        #expect(SyncEngine.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT", maximum: .seconds(30)) == nil)
        #expect(SyncEngine.retryAfter("-1", maximum: .seconds(30)) == nil)
        #expect(SyncEngine.retryAfter(nil, maximum: .seconds(30)) == nil)
    }

    @Test("a 429 busy answer is retried, and the sync completes; the pull names the replica", .timeLimit(.minutes(1)))
    func busyIsRetried() async throws {
        let replica = ReplicaID(rawValue: "laptop-1")!
        let store = try ReplicaStore.inMemory(
            settings: ReplicaSettings(replica: replica, server: URL(string: "http://kam.test")!, token: "kam_x"))
        try store.markRegistered(user: "li")
        let busy = HTTPResult(
            status: 429, headers: ["retry-after": "0", "content-type": "application/json"],
            body: Data(#"{"error":{"code":"busy","message":"the server is serving as many syncs as it can"}}"#.utf8))
        let page = try WireFormat.encoder().encode(PullPage(records: [], authors: [:], cursor: 0, hasMore: false))
        let transport = ScriptedTransport([busy, busy, HTTPResult(status: 200, headers: ["content-type": "application/json"], body: page)])
        var engine = SyncEngine(store: store, transport: transport)
        engine.backoff = .seconds(3_600)  // were Retry-After ignored, the test would hang here, not pass
        _ = try await engine.sync()
        #expect(transport.requests.count == 3)
        #expect(transport.requests.allSatisfy { $0.url.absoluteString.contains("replica=laptop-1") })
    }

    @Test("a busy server that stays busy ends the sync with a clear failure after the attempts", .timeLimit(.minutes(1)))
    func staysBusy() async throws {
        let store = try ReplicaStore.inMemory(
            settings: ReplicaSettings(replica: ReplicaID(rawValue: "laptop-2")!, server: URL(string: "http://kam.test")!, token: "kam_x"))
        try store.markRegistered(user: "li")
        let busy = HTTPResult(status: 429, headers: ["retry-after": "0"], body: Data(#"{"error":{"code":"busy","message":"busy"}}"#.utf8))
        let transport = ScriptedTransport(Array(repeating: busy, count: 4))
        var engine = SyncEngine(store: store, transport: transport)
        engine.backoff = .seconds(3_600)
        await #expect(throws: SyncFailure.server(status: 429, code: "busy", message: "busy")) { _ = try await engine.sync() }
        #expect(transport.requests.count == engine.attempts)
    }
}
