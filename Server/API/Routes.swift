import Foundation
import Hummingbird
import KAMFaults
import KAMProtocol
import KAMTables

/// The HTTP API: sync under `/v1/sync`, registration, office queries, health and metrics.
struct Routes {
    let service: SyncService
    let metrics: ServerMetrics
    let configuration: ServerConfiguration

    func add(to router: Router<KAMRequestContext>) {
        router.get("/healthz") { _, _ in HealthStatus(status: "ok") }
        router.get("/metrics") { request, _ in
            try MetricsAccess(token: configuration.metricsToken).check(request)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        let v1 = router.group("v1").add(middleware: AuthenticationMiddleware(service: service))
        v1.post("replicas", use: registerReplica)
        let sync = v1.group("sync").add(
            middleware: BusyMiddleware<KAMRequestContext>(limit: configuration.maximumConcurrentSyncs, retryAfterSeconds: configuration.busyRetryAfterSeconds))
        sync.post("push", use: push)
        sync.get("pull", use: pull)
        sync.post("fetch", use: fetch)
        v1.get("accounts", use: accounts)
        v1.get("accounts/{id}", use: account)
        addReports(to: v1)
        OfficeRoutes(service: service).add(to: router)
    }

    func registerReplica(_ request: Request, context: KAMRequestContext) async throws -> ReplicaRegistered {
        let user = try context.requireUser()
        let registration = try await request.decode(as: ReplicaRegistration.self, context: context)
        try Self.checkVersion(registration.protocolVersion)
        let registered = try await service.registerReplica(registration.replica, for: user, limit: configuration.maximumReplicasPerUser)
        CrashPoint.afterRegisterCommit.reach()
        context.logger.info("replica registered", metadata: ["replica": "\(registration.replica)"])
        return registered
    }

    func push(_ request: Request, context: KAMRequestContext) async throws -> PushAcknowledgement {
        let user = try context.requireUser()
        guard user.role.mayPush else { throw APIError(SyncError.pushForbidden(user.role)) }
        var context = context
        context.maxUploadSize = configuration.maximumBodyBytes
        let body = try await WireRequestDecoder.body(of: request, context: context)
        let push: PushRequest
        if request.headers[.contentType]?.lowercased().hasPrefix(PushRequest.binaryMediaType) == true {
            let data = Data(buffer: body)
            do {
                // The count comes first: an oversized batch is refused before its records are read.
                try checkBatch(try PushRequest.binaryRecordCount(data), counted: false)
                push = try PushRequest(binary: data)
            } catch let error as StateEncodingError {
                throw APIError.badRequest("the binary push cannot be read: \(error)", code: "malformed-body")
            }
        } else {
            // Counted before decoding, so an oversized batch costs a scan, not thousands of record states.
            if let count = PushBatchScan.recordCount(in: body.readableBytesView, limit: configuration.maximumBatchRecords) {
                try checkBatch(count, counted: true)
            }
            push = try WireRequestDecoder.decode(PushRequest.self, from: body)
        }
        try Self.checkVersion(push.protocolVersion)
        try checkBatch(push.records.count, counted: false)
        let acknowledgement = try await service.push(push, by: user)
        CrashPoint.afterPushCommit.reach()
        context.logger.info(
            "push",
            metadata: [
                "replica": "\(push.replica)", "records": "\(push.records.count)", "field_states": "\(push.fieldStateCount)",
                "accepted": "\(acknowledgement.accepted)", "refused": "\(acknowledgement.refused.count)",
                "conflicts_created": "\(acknowledgement.conflicts)", "sequence": "\(acknowledgement.sequence)",
            ])
        metrics.pushed(
            push.fieldStateCount,
            PushAcknowledgementSummary(accepted: acknowledgement.accepted, refused: acknowledgement.refused.count, conflicts: acknowledgement.conflicts))
        return acknowledgement
    }

    /// Refuses a push of more records than a batch may carry; `counted` when
    /// the scan stopped counting past the limit.
    func checkBatch(_ count: Int, counted: Bool) throws {
        guard count <= configuration.maximumBatchRecords else {
            throw APIError(
                .contentTooLarge, code: "batch-too-large",
                message: "a push may carry at most \(configuration.maximumBatchRecords) records, this one has \(counted ? "more" : "\(count)"): send smaller batches")
        }
    }

    /// A page of the change feed: binary for clients that ask for it in `Accept`, JSON otherwise.
    /// A client that names its replica (`replica=`) is checked against revocation.
    func pull(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = request.query
        let replica = try query["replica"].map { text in
            guard let replica = ReplicaID(rawValue: String(text)) else {
                throw APIError.badRequest("replica '\(text.prefix(80))' is not a replica id: 1 to 64 letters, digits, '-' or '_'")
            }
            return replica
        }
        let since = try Self.integer(query, "since", default: 0, range: 0...UInt64(Int64.max))
        let limit = try Self.integer(query, "limit", default: 1_000, range: 1...UInt64(service.limits.pullPage))
        // A client that does not name its protocol speaks the first one: it gets no removals.
        let version = Int(try Self.integer(query, "protocol", default: 1, range: 1...UInt64(Int.max)))
        try Self.checkVersion(version)
        let page = try await service.pullPage(since: since, limit: Int(limit), for: user, replica: replica, protocolVersion: version)
        CrashPoint.afterPullRead.reach()
        metrics.pulled(records: page.records.count)
        context.logger.info(
            "pull", metadata: ["since": "\(since)", "cursor": "\(page.cursor)", "records": "\(page.records.count)", "more": "\(page.hasMore)"])
        let binary = WireResponseEncoder.accepts(request.headers[.accept], PullPage.binaryMediaType)
        var response: Response
        // Protocol 3 sends the stored bytes as they are; earlier clients and JSON get decoded records.
        if binary, page.protocolVersion >= 3 {
            response = try WireResponseEncoder.response(page.binaryEncoded(), contentType: PullPage.binaryMediaType, for: request)
        } else if binary {
            response = try WireResponseEncoder.response(try page.decoded().binaryEncoded(), contentType: PullPage.binaryMediaType, for: request)
        } else {
            response = try WireResponseEncoder().encode(try page.decoded(), from: request, context: context)
        }
        // The newest protocol this server speaks, so a laptop that only pulls learns it too.
        response.headers[.init(Self.protocolHeader)!] = "\(KAMProtocolVersion.current)"
        return response
    }

    /// The current state of named records, for a laptop putting the server's value back.
    func fetch(_ request: Request, context: KAMRequestContext) async throws -> FetchAnswer {
        let user = try context.requireUser()
        let body = try await WireRequestDecoder.body(of: request, context: context)
        let fetch = try WireRequestDecoder.decode(FetchRequest.self, from: body)
        try Self.checkVersion(fetch.protocolVersion)
        if let replica = fetch.replica { try await service.admitReplica(replica, for: user) }
        guard fetch.ids.count <= FetchRequest.maximumIDs else {
            throw APIError(
                .contentTooLarge, code: "batch-too-large",
                message: "a fetch may name at most \(FetchRequest.maximumIDs) records, this one names \(fetch.ids.count): ask in smaller batches")
        }
        return try await service.fetch(fetch.ids, for: user)
    }

    /// The account list: a page of JSON, or with `Accept: text/csv` every matching account as CSV
    /// (`bom=true` starts it with a UTF-8 byte order mark for spreadsheet programs).
    func accounts(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let offered = ["application/json", "text/csv"]
        guard let type = ContentNegotiation.choose(accept: request.headers[.accept], offered: offered) else {
            throw APIError.notAcceptable(offered: offered)
        }
        let parameters = request.query
        let query = try Self.accountQuery(parameters)
        let bom = try Self.flag(parameters, "bom")
        if type == "text/csv" {
            let table = RecordTable.accounts(try await service.accountRecords(matching: query, for: user))
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"accounts.csv\"", .vary: "Accept"],
                body: .init(byteBuffer: ByteBuffer(data: table.data(byteOrderMark: bom))))
        }
        // The answer depends on Accept: a cache must not hand CSV to a JSON client or the other way.
        var response = try await service.accounts(matching: query, for: user).response(from: request, context: context)
        response.headers[.vary] = "Accept"
        return response
    }

    /// The account filters of a request's query parameters (`stage`, `owner`, `region`, `tier`, `text`, `has-conflicts`,
    /// `limit`, `offset`), each checked with a message that says what to send instead.
    static func accountQuery(_ parameters: [String: String]) throws -> AccountQuery {
        func choice<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws -> T? where T.RawValue == String {
            guard let text = parameters[name], !text.isEmpty else { return nil }
            guard let value = T(rawValue: text) else {
                throw APIError.badRequest("\(name) '\(text.prefix(40))' is not known: use one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        return AccountQuery(
            stage: try choice("stage", Stage.self), owner: try text(parameters, "owner"), region: try text(parameters, "region"),
            tier: try choice("tier", Tier.self), text: try text(parameters, "text"), hasConflicts: try flag(parameters, "has-conflicts"),
            limit: Int(try integer(parameters, "limit", default: UInt64(AccountQuery.defaultLimit), range: 1...UInt64(AccountQuery.maximumLimit))),
            offset: Int(try integer(parameters, "offset", default: 0, range: 0...1_000_000_000)))
    }

    /// A text parameter, `nil` when absent or empty, at most ``AccountQuery/maximumTextLength`` characters.
    static func text(_ query: [String: String], _ name: String) throws -> String? {
        guard let text = query[name], !text.isEmpty else { return nil }
        guard text.unicodeScalars.count <= AccountQuery.maximumTextLength else {
            throw APIError.badRequest("\(name) is longer than \(AccountQuery.maximumTextLength) characters: search for a shorter text")
        }
        return text
    }

    /// A `true`/`false` parameter; absent is `false`.
    static func flag(_ query: [String: String], _ name: String) throws -> Bool {
        switch try text(query, name) {
        case nil, "false": return false
        case "true": return true
        case let other?: throw APIError.badRequest("\(name) '\(other.prefix(40))' must be true or false")
        }
    }

    /// Refuses a request whose `Accept` does not take JSON, the only type the address answers in.
    static func requireJSON(_ request: Request) throws {
        guard ContentNegotiation.choose(accept: request.headers[.accept], offered: ["application/json"]) != nil else {
            throw APIError.notAcceptable(offered: ["application/json"])
        }
    }

    func account(_ request: Request, context: KAMRequestContext) async throws -> AccountDetail {
        let user = try context.requireUser()
        try Self.requireJSON(request)
        let raw = try context.parameters.require("id")
        guard let id = RecordID(rawValue: raw), let detail = try await service.account(id, for: user) else {
            throw APIError(.notFound, code: "not-found", message: "there is no account '\(raw.prefix(80))' that you may see")
        }
        return detail
    }

    /// The header a pull answer names the server's newest protocol in.
    static let protocolHeader = "KAM-Protocol"

    static func checkVersion(_ version: Int) throws {
        guard KAMProtocolVersion.supported.contains(version) else { throw APIError(SyncError.unsupportedProtocolVersion(version)) }
    }

    /// A whole-number query parameter within `range`, or `default` when absent.
    static func integer(_ query: [String: String], _ name: String, default value: UInt64, range: ClosedRange<UInt64>) throws -> UInt64 {
        guard let text = query[name] else { return value }
        guard let number = UInt64(text), range.contains(number) else {
            throw APIError.badRequest("\(name) '\(text.prefix(40))' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}

/// The answer of `/healthz`.
struct HealthStatus: ResponseEncodable {
    var status: String
}
