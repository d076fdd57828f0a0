import CompressNIO
import Foundation
import KAMFaults
import KAMProtocol
import Logging
import NIOCore

/// What a sync did.
public struct SyncSummary: Hashable, Sendable, Codable {
    /// Field states the server acknowledged.
    public var pushed: Int = 0
    /// Records the server refused (kept on this laptop; see `kam status`).
    public var refused: Int = 0
    /// Records that changed here from the pull.
    public var pulled: Int = 0
    /// Conflicts to settle that were not there before the sync.
    public var newConflicts: Int = 0
    public var bytesSent: Int64 = 0
    public var bytesReceived: Int64 = 0
    /// Accounts, or records on them, that left this laptop (reassigned,
    /// moved away), with how many of this laptop's edits to each the server
    /// did not accept.
    public var removed: [RemovedAccount] = []
}

/// Where a sync is, for a progress line.
public struct SyncProgress: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        case registering, pushing, pulling
    }

    public var phase: Phase
    /// Field states pushed, or records pulled, so far.
    public var done: Int
    public var bytesSent: Int64
    public var bytesReceived: Int64
}

/// Why a sync stopped. Local data is untouched by a failed request; what was
/// acknowledged or pulled before it stays.
public enum SyncFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The server answered with an error.
    case server(status: Int, code: String, message: String)
    /// No answer, after the retries.
    case transport(TransportError, attempts: Int)
    /// The server's answer could not be read.
    case badResponse(String)
    /// The server sent a record this replica cannot store (a kind or field
    /// this version does not know, or a value that fails its checks). Nothing
    /// of that page was stored and the cursor stayed before it.
    case unstorable(record: String, reason: String)

    /// Whether the server was busy or failing (429, 5xx): asking again later
    /// may succeed, unlike a refusal.
    public var isTransient: Bool {
        if case .server(let status, _, _) = self { return status >= 500 || status == 429 }
        return false
    }

    public var description: String {
        switch self {
        case .server(let status, let code, let message):
            switch code {
            case "unauthorized": "the server refused the token (\(status)): \(message). Ask for a new token and set it with 'kam config --token -' (it reads the token from standard input)"
            default: "the server refused the sync (\(status) \(code)): \(message)"
            }
        case .transport(.unavailable(let detail), _):
            "\(TransportError.unavailable(detail)). Nothing is lost: your changes stay on this laptop; run 'kam sync' again once it is installed"
        case .transport(let error, let attempts):
            "\(error), after \(attempts) attempts. Nothing is lost: your changes stay on this laptop; run 'kam sync' again when the link is better"
        case .badResponse(let detail):
            "the server's answer could not be read (\(detail)): the link may have cut it short, or the --server address is not a kam server. Nothing is lost: your changes stay on this laptop; run 'kam sync' again"
        case .unstorable(let record, let reason):
            "the server sent \(record), which this laptop cannot store (\(reason)). Nothing of it was stored and the sync stopped before it: your changes stay on this laptop. Upgrade kam if the server is newer, else tell the server's administrator; then run 'kam sync' again"
        }
    }
}

/// Pushes this replica's pending changes and pulls everyone else's.
///
/// The acknowledgement of a push and the cursor of a pull are stored in the
/// same transaction as the data they cover, so a sync cut off at any byte
/// resumes where it stopped, resending or re-pulling at most one batch.
public struct SyncEngine: Sendable {
    public let store: ReplicaStore
    public let transport: any HTTPTransport
    public var logger: Logger
    /// Field states per push.
    public var pushBatch = 500
    /// Field states per pull page.
    public var pullLimit = SyncEngine.defaultPullLimit
    /// Tries per request before giving up on a transient failure.
    public var attempts = 4
    /// The first pause between tries; it doubles each time.
    public var backoff: Duration = .milliseconds(500)
    /// The longest pause taken when a busy server asks for one (`Retry-After`).
    public var maximumRetryAfter: Duration = .seconds(30)

    /// The changes (whole records, removals, owner changes) asked for per pull request.
    public static let defaultPullLimit = 2_000

    public init(store: ReplicaStore, transport: any HTTPTransport, logger: Logger = Logger(label: "kam.sync")) {
        self.store = store
        self.transport = transport
        self.logger = logger
    }

    public func sync(progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws -> SyncSummary {
        var summary = SyncSummary()
        let replica = try Replica(store: store)
        let conflictsBefore = try replica.status().conflicts
        var settings = try store.settings()
        func report(_ phase: SyncProgress.Phase, _ done: Int) {
            progress?(SyncProgress(phase: phase, done: done, bytesSent: summary.bytesSent, bytesReceived: summary.bytesReceived))
        }

        if !settings.registered {
            report(.registering, 0)
            try await register(summary: &summary)
            settings = try store.settings()
        }

        var binaryRefused = false
        while let batch = try store.pendingBatch(limit: pushBatch) {
            report(.pushing, summary.pushed)
            CrashPoint.beforePushSend.reach()
            // Binary once the server has said it takes it; JSON for an older one.
            let binary = settings.serverProtocol >= 2 && !binaryRefused
            let body = binary
                ? (batch.request.binaryEncoded(), PushRequest.binaryMediaType) : (try WireFormat.encoder().encode(batch.request), "application/json")
            let acknowledgement: PushAcknowledgement
            do {
                acknowledgement = try await call("POST", "v1/sync/push", body: body, accept: "application/json", settings: settings, summary: &summary) {
                    try WireFormat.decoder().decode(PushAcknowledgement.self, from: $0.body)
                }
            } catch SyncFailure.server(let status, _, _) where binary && (status == 400 || status == 415) {
                // A server that cannot read binary pushes (an older release at
                // this address): JSON for the rest of this sync, and until a
                // server says again that it speaks protocol 2.
                logger.notice("the server did not take a binary push: sending JSON", metadata: ["status": "\(status)"])
                binaryRefused = true
                try store.noteServerProtocol(1)
                continue
            }
            CrashPoint.afterPushAnswer.reach()
            if acknowledgement.protocolVersion != settings.serverProtocol, !binaryRefused {
                try store.noteServerProtocol(acknowledgement.protocolVersion)
                settings = try store.settings()
            }
            try store.acknowledge(batch, acknowledgement)
            summary.pushed += batch.count
            summary.refused += acknowledgement.refused.count
            logger.debug("pushed", metadata: ["field_states": "\(batch.count)", "refused": "\(acknowledgement.refused.count)"])
        }

        // The next page is fetched while this one is stored: the server and
        // the laptop work at the same time. Pages are still stored in order,
        // and the cursor moves only with a stored page.
        report(.pulling, summary.pulled)
        var page = try await fetch(since: try store.settings().cursor, settings: settings, into: &summary)
        while true {
            let next = page.hasMore ? Task { [self, cursor = page.cursor] in try await self.fetch(since: cursor, settings: settings) } : nil
            do {
                if page.protocolVersion > settings.serverProtocol, !binaryRefused { try store.noteServerProtocol(page.protocolVersion) }
                let applied = try store.apply(page)
                summary.pulled += applied.changed
                summary.removed += applied.removed
            } catch {
                next?.cancel()
                throw error
            }
            CrashPoint.afterPullCommit.reach()
            logger.debug("pulled", metadata: ["records": "\(page.records.count)", "cursor": "\(page.cursor)"])
            guard let next else { break }
            report(.pulling, summary.pulled)
            let fetched = try await next.value
            summary.bytesSent += fetched.bytes.bytesSent
            summary.bytesReceived += fetched.bytes.bytesReceived
            page = fetched.page
        }
        try await fetchQueued(settings: settings, summary: &summary)
        try store.markSynced()
        summary.removed = RemovedAccount.merged(summary.removed)
        summary.newConflicts = max(0, try replica.status().conflicts - conflictsBefore)
        return summary
    }

    /// Asks the server again for the records queued on this laptop: those
    /// whose refused edits were dropped, and refused ones whose account left.
    /// Each gets the server's state back, or leaves the laptop when the server
    /// gives it no more.
    func fetchQueued(settings: ReplicaSettings, summary: inout SyncSummary) async throws {
        let queued = try store.recordsToFetch()
        var start = 0
        while start < queued.count {
            let chunk = Array(queued[start..<min(start + FetchRequest.maximumIDs, queued.count)])
            start += chunk.count
            let answer: FetchAnswer
            do {
                answer = try await call(
                    "POST", "v1/sync/fetch", body: FetchRequest(ids: chunk, replica: settings.replica), settings: settings, summary: &summary)
            } catch SyncFailure.server(let status, _, _) where status == 404 || status == 405 {
                logger.notice("the server cannot give records back yet (an older release): they wait for a newer one")
                return
            }
            try store.replace(chunk, with: answer)
        }
    }

    /// Registers this replica with the server and learns its user; a
    /// registered replica registering again is a harmless retry.
    @discardableResult
    public func register() async throws -> String {
        var summary = SyncSummary()
        return try await register(summary: &summary)
    }

    @discardableResult
    func register(summary: inout SyncSummary) async throws -> String {
        let settings = try store.settings()
        let registered: ReplicaRegistered = try await call(
            "POST", "v1/replicas", body: ReplicaRegistration(replica: settings.replica), settings: settings, summary: &summary)
        CrashPoint.afterRegisterAnswer.reach()
        try store.markRegistered(user: registered.user)
        try store.noteServerProtocol(registered.protocolVersion)
        return registered.user
    }

    /// One JSON request, retried on transient failures with growing pauses.
    func call<Answer: Decodable, Body: Encodable>(
        _ method: String, _ path: String, body: Body?, settings: ReplicaSettings, summary: inout SyncSummary
    ) async throws -> Answer {
        try await call(method, path, body: body, accept: "application/json", settings: settings, summary: &summary) { result in
            try WireFormat.decoder().decode(Answer.self, from: result.body)
        }
    }

    /// A page of the change feed, counting its bytes into `summary`.
    func fetch(since cursor: UInt64, settings: ReplicaSettings, into summary: inout SyncSummary) async throws -> PullPage {
        let fetched = try await fetch(since: cursor, settings: settings)
        summary.bytesSent += fetched.bytes.bytesSent
        summary.bytesReceived += fetched.bytes.bytesReceived
        return fetched.page
    }

    /// A page of the change feed and the bytes it took.
    func fetch(since cursor: UInt64, settings: ReplicaSettings) async throws -> (page: PullPage, bytes: SyncSummary) {
        var bytes = SyncSummary()
        let page = try await pull(since: cursor, settings: settings, summary: &bytes)
        return (page, bytes)
    }

    /// The protocol a pull asks for: 3 (whole records in the server's stored
    /// form) once the server has said it speaks it (its registration, a
    /// push's answer, or a pull answer's `KAM-Protocol` header); 2 before,
    /// which every server since the territories speaks.
    public static func pullProtocol(_ settings: ReplicaSettings) -> Int {
        settings.serverProtocol >= 3 ? KAMProtocolVersion.current : min(KAMProtocolVersion.current, 2)
    }

    /// A page of the change feed, asked for in binary form (a server that answers JSON is read too).
    func pull(since cursor: UInt64, settings: ReplicaSettings, summary: inout SyncSummary) async throws -> PullPage {
        try await call(
            "GET", "v1/sync/pull?since=\(cursor)&limit=\(pullLimit)&replica=\(settings.replica)&protocol=\(Self.pullProtocol(settings))",
            body: Optional<PushRequest>.none,
            accept: "\(PullPage.binaryMediaType), application/json;q=0.5", settings: settings, summary: &summary
        ) { result in
            // A server that says it speaks a newer protocol is asked in it from the next sync on.
            // Read before written: every page of that sync says it, and a write would wait for the page being stored.
            if let advertised = result.headers["kam-protocol"].flatMap(Int.init) {
                let offered = min(advertised, KAMProtocolVersion.current)
                if offered > settings.serverProtocol, try store.settings().serverProtocol < offered { try store.noteServerProtocol(offered) }
            }
            let page: PullPage
            if result.headers["content-type"]?.hasPrefix(PullPage.binaryMediaType) == true {
                do { page = try PullPage(binary: result.body) } catch StateEncodingError.badRecord {
                    throw SyncFailure.unstorable(record: "a record", reason: "its kind is not one this version knows, or its id is not an id")
                }
            } else {
                do { page = try WireFormat.decoder().decode(PullPage.self, from: result.body) } catch let error as DecodingError {
                    if let failure = Self.unstorable(error) { throw failure }
                    throw error
                }
            }
            // A page that does not move the cursor on would be asked for again and again.
            guard page.cursor >= cursor, !page.hasMore || page.cursor > cursor else {
                throw SyncFailure.badResponse("the change feed went from \(cursor) to \(page.cursor)")
            }
            return page
        }
    }

    /// The failure for a JSON pull page whose records could not be read: a
    /// record of a kind this version does not know, or with a bad id or field.
    /// `nil` for an answer that is not JSON or was cut short (worth asking again).
    static func unstorable(_ error: DecodingError) -> SyncFailure? {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c): context = c
        @unknown default: return nil
        }
        guard context.codingPath.first?.stringValue == "records", context.codingPath.count >= 2 else { return nil }
        let index = context.codingPath[1].intValue.map { "record \($0 + 1) of a page" } ?? "a record"
        let field = context.codingPath.dropFirst(2).map(\.stringValue).joined(separator: ".")
        return .unstorable(record: index, reason: (field.isEmpty ? "" : "\(field): ") + context.debugDescription)
    }

    /// One request, retried on transient failures with growing pauses; `read` turns a 2xx answer into the result.
    func call<Answer, Body: Encodable>(
        _ method: String, _ path: String, body: Body?, accept: String, settings: ReplicaSettings, summary: inout SyncSummary,
        read: (HTTPResult) throws -> Answer
    ) async throws -> Answer {
        try await call(
            method, path, body: try body.map { (try WireFormat.encoder().encode($0), "application/json") }, accept: accept,
            settings: settings, summary: &summary, read: read)
    }

    /// One request with a body already encoded (`contentType` says how),
    /// gzipped from 1 KiB; retried on transient failures with growing pauses.
    func call<Answer>(
        _ method: String, _ path: String, body: (data: Data, contentType: String)?, accept: String, settings: ReplicaSettings,
        summary: inout SyncSummary, read: (HTTPResult) throws -> Answer
    ) async throws -> Answer {
        var headers = [("Authorization", "Bearer \(settings.token)"), ("Accept", accept)]
        var data: Data?
        if let body {
            var encoded = body.data
            headers.append(("Content-Type", body.contentType))
            if encoded.count >= 1_024 {
                var buffer = ByteBuffer(bytes: encoded)
                let compressed = try buffer.compress(with: .gzip())
                encoded = Data(compressed.readableBytesView)
                headers.append(("Content-Encoding", "gzip"))
            }
            data = encoded
        }
        let base = settings.server.absoluteString.hasSuffix("/") ? settings.server.absoluteString : settings.server.absoluteString + "/"
        guard let url = URL(string: base + path) else { throw SyncFailure.badResponse("bad URL \(base + path)") }
        let request = HTTPRequestSpec(method: method, url: url, headers: headers, body: data)
        var pause = backoff
        for attempt in 1...attempts {
            do {
                let result = try await transport.send(request, progress: nil)
                summary.bytesSent += Int64(data?.count ?? 0)
                summary.bytesReceived += Int64(result.body.count)
                if (200..<300).contains(result.status) {
                    // A body cut short on a bad link can still come with a 2xx status;
                    // every request here is safe to repeat, so it is tried again.
                    do { return try read(result) } catch let failure as SyncFailure {
                        throw failure  // the answer was read, and it is wrong: asking again gets the same
                    } catch {
                        guard attempt < attempts else { throw SyncFailure.badResponse("\(error)") }
                        logger.notice("unreadable answer, trying again", metadata: ["attempt": "\(attempt)"])
                        try await Task.sleep(for: pause)
                        pause *= 2
                        continue
                    }
                }
                let error = try? WireFormat.decoder().decode(ErrorBody.self, from: result.body)
                let failure = SyncFailure.server(
                    status: result.status, code: error?.error.code ?? "http-\(result.status)",
                    message: error?.error.message ?? String(decoding: result.body.prefix(200), as: UTF8.self))
                guard failure.isTransient, attempt < attempts else { throw failure }
                logger.notice("server busy, trying again", metadata: ["status": "\(result.status)", "attempt": "\(attempt)"])
                if let asked = Self.retryAfter(result.headers["retry-after"], maximum: maximumRetryAfter) {
                    try await Task.sleep(for: asked)
                    pause *= 2
                    continue
                }
            } catch let error as TransportError {
                guard error.isTransient, attempt < attempts else { throw SyncFailure.transport(error, attempts: attempt) }
                logger.notice("no answer, trying again", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
            }
            try await Task.sleep(for: pause)
            pause *= 2
        }
        throw SyncFailure.badResponse("no attempt was made")
    }

    /// The pause a `Retry-After` header asks for, at most `maximum`; `nil` when
    /// there is none or it is not a number of seconds (an HTTP date is not honoured).
    public static func retryAfter(_ header: String?, maximum: Duration) -> Duration? {
        guard let header, let seconds = UInt64(header.trimmingCharacters(in: .whitespaces)) else { return nil }
        return min(.seconds(min(seconds, 86_400)), maximum)
    }
}
