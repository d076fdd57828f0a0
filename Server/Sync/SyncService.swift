import Foundation
import KAMProtocol
import Logging

/// The server's policy, written once above the storage: who may do what, the
/// history check, refusals, access, sequencing and review flags.
///
/// A ``SyncStorage`` only persists; every storage (the embedded SQLite one, a
/// PostgreSQL one) runs this same code. The service believes nothing from the
/// wire that it can check.
public struct SyncService: Sendable {
    public let storage: any SyncStorage
    public let limits: Limits
    let logger: Logger

    /// The bounds the service keeps every user within.
    public struct Limits: Sendable, Hashable {
        /// The most replicas (laptops) one user may register.
        public var replicasPerUser: Int
        /// The largest pull page, in field states.
        public var pullPage: Int

        public static let defaultReplicasPerUser = 20
        public static let defaultPullPage = 10_000

        public init(replicasPerUser: Int = defaultReplicasPerUser, pullPage: Int = defaultPullPage) {
            self.replicasPerUser = replicasPerUser
            self.pullPage = pullPage
        }
    }

    public init(storage: any SyncStorage, limits: Limits = Limits(), logger: Logger = Logger(label: "kam.sync")) {
        self.storage = storage
        self.limits = limits
        self.logger = logger
    }

    static func now() -> Int64 { Timestamp.now().rawValue }

    // MARK: Users

    /// Adds a user and returns their bearer token, the only time it is shown.
    public func addUser(name: String, role: Role) async throws -> String {
        try User.checkName(name)
        let token = Token.generate()
        try await storage.addUser(name: name, role: role, tokenHash: Token.hash(token), at: Self.now())
        logger.info("user added", metadata: ["user": "\(name)", "role": "\(role)"])
        return token
    }

    /// Every user, revoked ones included, by name.
    public func users() async throws -> [User] { try await storage.users() }

    /// Revokes a user's token; their replicas' past work stays.
    public func revokeUser(name: String) async throws {
        try await storage.revokeUser(name: name, at: Self.now())
        logger.info("user revoked", metadata: ["user": "\(name)"])
    }

    /// The user holding `token`, unless it is unknown or revoked.
    public func authenticate(token: String) async throws -> User? {
        try await storage.user(tokenHash: Token.hash(token))
    }

    // MARK: Replicas

    /// Binds a replica id to `user`. Registering the same id again for the same
    /// user is a harmless retry; a user has at most ``Limits/replicasPerUser``.
    public func registerReplica(_ replica: ReplicaID, for user: User) async throws -> ReplicaRegistered {
        let limit = limits.replicasPerUser
        try await storage.write { tx in
            if let owner = try tx.replicaOwner(replica) {
                guard owner == user.name else { throw SyncError.replicaOfAnotherUser(replica) }
                return
            }
            guard try tx.replicaCount(of: user.name) < limit else { throw SyncError.tooManyReplicas(limit: limit) }
            try tx.insertReplica(replica, user: user.name, at: Self.now())
        }
        return ReplicaRegistered(replica: replica, user: user.name)
    }

    // MARK: Pull

    /// The changes above `since` that `user` may see, at most `limit` field states.
    public func pull(since: UInt64, limit: Int, for user: User) async throws -> PullPage {
        let limit = min(max(limit, 1), limits.pullPage)
        return try await storage.read { tx in
            let current = try tx.sequence()
            guard since <= current else { throw PullError.cursorAhead(since: since, server: current) }
            let rows = try tx.feed(since: since, limit: limit + 1, user: user, gap: current - since)
            let hasMore = rows.count > limit
            let page = rows.prefix(limit)
            var order: [RecordID] = []
            var states: [RecordID: RecordState] = [:]
            var replicas: Set<ReplicaID> = []
            for row in page {
                let delta: RecordState
                if let field = row.field {
                    let register = try StateEncoding.readField(row.state)
                    replicas.formUnion(register.siblings.map(\.dot.replica))
                    delta = RecordState(kind: row.kind, id: row.record, fields: [field: register])
                } else {
                    let register = try StateEncoding.readExistence(row.state)
                    replicas.formUnion(register.siblings.map(\.dot.replica))
                    delta = RecordState(kind: row.kind, id: row.record, fields: [:], existence: register)
                }
                if let earlier = states[row.record] { states[row.record] = earlier.joined(with: delta) } else {
                    order.append(row.record)
                    states[row.record] = delta
                }
            }
            return PullPage(
                records: order.map { states[$0]! }, authors: try tx.replicaUsers(replicas),
                cursor: hasMore ? page.last!.sequence : current, hasMore: hasMore)
        }
    }

    // MARK: The office

    /// The accounts `user` may see that match `query`.
    public func accounts(matching query: AccountQuery, for user: User) async throws -> AccountList {
        try await storage.accounts(matching: query, for: user)
    }

    /// One account with everything on it, or `nil` if `user` cannot see it:
    /// an account one may not see reads exactly like one that does not exist.
    public func account(_ id: RecordID, for user: User) async throws -> AccountDetail? {
        try await storage.read { tx -> AccountDetail? in
            guard try AccessRule.maySee(user, account: id, tx), let stored = try tx.record(id), stored.state.kind == .account,
                stored.state.status.isVisible
            else { return nil }
            do {
                return try AccountDetail(account: stored.state, records: try tx.records(of: id), authors: try tx.replicaUsers(nil))
            } catch let error as DomainError {
                throw SyncError.invalidValue(kind: .account, id: id, error)
            }
        }
    }

    /// The pipeline over the accounts `user` may see.
    public func pipeline(for user: User) async throws -> PipelineReport {
        PipelineReport(accounts: try await storage.accountSummaries(for: user))
    }
}
