import Foundation
import KAMFaults
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
    /// Commits pushes that arrive together in one transaction.
    let committer: PushCommitter

    /// The bounds the service keeps every request within.
    public struct Limits: Sendable, Hashable {
        /// The largest pull page, in changes: records, removals and owner changes.
        public var pullPage: Int

        public static let defaultPullPage = 10_000

        public init(pullPage: Int = defaultPullPage) {
            self.pullPage = pullPage
        }
    }

    public init(storage: any SyncStorage, limits: Limits = Limits(), logger: Logger = Logger(label: "kam.sync")) {
        self.storage = storage
        self.limits = limits
        self.logger = logger
        committer = PushCommitter(storage: storage)
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

    /// Gives user `name` a new token, returned the only time it is shown, and
    /// ends the old one. Their accounts and replicas stay theirs; a revoked
    /// user stays revoked (``UserError/revoked(_:)``).
    public func replaceToken(name: String) async throws -> String {
        let token = Token.generate()
        try await storage.replaceTokenHash(name: name, tokenHash: Token.hash(token))
        logger.info("token replaced", metadata: ["user": "\(name)"])
        return token
    }

    // MARK: Replicas

    /// Binds a replica id to `user`, who may hold at most `limit` replicas that
    /// are not revoked. Registering the same id again for the same user is a
    /// harmless retry; a revoked id stays revoked.
    public func registerReplica(
        _ replica: ReplicaID, for user: User, limit: Int = ServerConfiguration.defaultMaximumReplicasPerUser
    ) async throws -> ReplicaRegistered {
        try await storage.write { tx in
            if let known = try tx.replica(replica) {
                guard known.user == user.name else { throw SyncError.replicaOfAnotherUser(replica) }
                guard !known.isRevoked else { throw SyncError.replicaRevoked(replica) }
            } else {
                guard try tx.activeReplicaCount(of: user.name) < limit else {
                    throw SyncError.tooManyReplicas(user: user.name, limit: limit)
                }
                try tx.insertReplica(replica, user: user.name, at: Self.now())
            }
            CrashPoint.beforeRegisterCommit.reach()
        }
        return ReplicaRegistered(replica: replica, user: user.name)
    }

    /// Every replica, or only `user`'s, with its registration and last sync.
    public func replicas(user: String?) async throws -> [ReplicaInfo] {
        try await storage.read { tx in try tx.replicas(user: user) }
    }

    /// Shuts one replica (a lost or stolen laptop) out of pushes and pulls; the
    /// user's other replicas and the replica's past work stay.
    public func revokeReplica(_ replica: ReplicaID) async throws {
        try await storage.write { tx in
            guard try tx.replica(replica) != nil else { throw UserError.unknownReplica(replica.rawValue) }
            try tx.revokeReplica(replica, at: Self.now())
        }
        logger.info("replica revoked", metadata: ["replica": "\(replica)"])
    }

    /// How stale a replica's last-seen time may get before a sync writes it again.
    static let lastSeenResolution: Int64 = 60_000

    /// Checks that `replica` may sync as `user` (registered to them, not
    /// revoked) and notes that it was seen, to the minute: a read on most
    /// calls, a write at most once a minute per replica.
    public func admitReplica(_ replica: ReplicaID, for user: User) async throws {
        let now = Self.now()
        let stale = try await storage.read { tx in try Self.admitted(replica, for: user, tx).isStale(at: now) }
        guard stale else { return }
        try await storage.write { tx in try tx.markSeen(replica, at: now) }
    }

    /// The replica, if `user` may sync with it; callers write its last-seen
    /// time when ``ReplicaInfo/isStale(at:)`` says so.
    static func admitted(_ replica: ReplicaID, for user: User, _ reads: any SyncReads) throws -> ReplicaInfo {
        guard let known = try reads.replica(replica) else { throw SyncError.replicaNotRegistered(replica) }
        guard known.user == user.name else { throw SyncError.replicaOfAnotherUser(replica) }
        guard !known.isRevoked else { throw SyncError.replicaRevoked(replica) }
        return known
    }

    // MARK: Pull

    /// The changes above `since` that `user` may see, at most `limit` of
    /// them, with every record decoded: for clients of protocol 1 and 2, and JSON.
    public func pull(
        since: UInt64, limit: Int, for user: User, protocolVersion: Int = KAMProtocolVersion.current
    ) async throws -> PullPage {
        try await pullPage(since: since, limit: limit, for: user, protocolVersion: protocolVersion).decoded()
    }

    /// The changes above `since` that `user` may see, at most `limit` of
    /// them: whole records as the store keeps them and, from protocol 2 on,
    /// removals and owner changes. No record is decoded: the page names the
    /// replicas its records' numbers stand for.
    ///
    /// A pull that names its `replica` is admitted (``admitReplica(_:for:)``)
    /// in the page's own snapshot: one read transaction, and a write only
    /// when the replica's last-seen time is a minute old.
    public func pullPage(
        since: UInt64, limit: Int, for user: User, replica: ReplicaID? = nil, protocolVersion: Int = KAMProtocolVersion.current
    ) async throws -> RecordPage {
        let now = Self.now()
        let (page, stale) = try await storage.read { tx in
            let stale = try replica.map { try Self.admitted($0, for: user, tx).isStale(at: now) } ?? false
            let limit = min(max(limit, 1), limits.pullPage)
            let version = min(protocolVersion, KAMProtocolVersion.current)
            let scope = AccessRule.scope(of: user)
            // Removals and owner changes from protocol 2 on; one who sees everything loses nothing.
            let read = try tx.changes(
                since: since, limit: limit + 1, scope: scope, removalsFor: version >= 2 && scope != .everything ? user.name : nil,
                ownerChanges: version >= 2)
            return (try self.page(read, since: since, limit: limit, for: user, version: version, tx), stale)
        }
        if stale, let replica { try await storage.write { tx in try tx.markSeen(replica, at: now) } }
        return page
    }

    /// A pull page of at most `limit` changes from what `read` holds (up to one more), in `tx`'s snapshot.
    private func page(_ read: FeedChanges, since: UInt64, limit: Int, for user: User, version: Int, _ tx: any SyncReads) throws -> RecordPage {
        let current = read.current
        guard since <= current else { throw PullError.cursorAhead(since: since, server: current) }
        var changes = read.records.map(FeedChange.record)
        if version >= 2 {
            changes += read.removals.map { FeedChange.removal($0.sequence, $0.change) }
            changes += read.ownerChanges.map { FeedChange.owner($0.sequence, $0.change) }
            changes.sort { $0.sequence < $1.sequence }
        }
        let hasMore = changes.count > limit
        let page = changes.prefix(limit)
        // A record both removed and sent in one page is whichever came last:
        // gaining it again re-sends all of it after the removal.
        var lastRecord: [RecordID: UInt64] = [:]
        var lastRemoval: [RecordID: UInt64] = [:]
        for change in page {
            switch change {
            case .record(let row): lastRecord[row.record.id] = row.sequence
            case .removal(let sequence, let removal): lastRemoval[removal.id] = sequence
            case .owner: break
            }
        }
        var records: [EncodedRecord] = []
        var removals: [Removal] = []
        var ownerChanges: [OwnerChange] = []
        var numbers: Set<UInt64> = []
        for change in page {
            switch change {
            case .record(let row):
                if let removed = lastRemoval[row.record.id], removed > row.sequence { continue }
                numbers.formUnion(try RecordEncoding.replicaNumbers(in: row.record.bytes, kind: row.record.kind))
                records.append(row.record)
            case .removal(let sequence, let removal):
                guard sequence == lastRemoval[removal.id], lastRecord[removal.id].map({ $0 < sequence }) ?? true else { continue }
                // Seen again since (regained later in the feed, past this page): all of it comes then.
                if try AccessRule.maySee(user, accounts: tx.accountsNamed(by: removal.id), tx) { continue }
                removals.append(removal)
            case .owner(_, let change):
                ownerChanges.append(change)
            }
        }
        let replicas = try tx.replicas(numbered: numbers)
        return RecordPage(
            records: records, replicas: replicas, authors: try tx.replicaUsers(Set(replicas.values)),
            cursor: hasMore ? page.last!.sequence : current, hasMore: hasMore, removals: removals, ownerChanges: ownerChanges,
            protocolVersion: version)
    }

    /// The current state of the records named in `ids` that `user` may see.
    /// One left out is not on the server or not theirs to see, alike.
    public func fetch(_ ids: [RecordID], for user: User) async throws -> FetchAnswer {
        try await storage.read { tx in
            var records: [RecordState] = []
            var replicas: Set<ReplicaID> = []
            for id in Set(ids).sorted() {
                guard let stored = try tx.record(id), try AccessRule.maySee(user, accounts: RecordIndex.accounts(of: stored.state), tx)
                else { continue }
                records.append(stored.state)
                for register in stored.state.fields.values { replicas.formUnion(register.siblings.map(\.dot.replica)) }
                replicas.formUnion(stored.state.existence.siblings.map(\.dot.replica))
            }
            return FetchAnswer(records: records, authors: try tx.replicaUsers(replicas))
        }
    }

    /// Brings a store's access rows up to the current access rule (see
    /// ``AccessRule``), with removals for the users who lose accounts. Runs
    /// once, when a store written by an earlier release is first served.
    public func upgradeAccess() async throws {
        let changed = try await storage.write { tx -> Int in
            guard let rule = try tx.setting(AccessRule.settingKey), rule != AccessRule.version else { return 0 }
            var sequence = try tx.sequence()
            let start = sequence
            for id in try tx.accountIDs() {
                guard let stored = try tx.record(id) else { continue }
                sequence = try AccessChanges(tx: tx).account(
                    stored.state, before: stored.state, createdBy: stored.createdBy, by: nil, sequence: sequence)
            }
            // The earlier feed showed a record only on the first account it
            // named: one in conflict between accounts reaches the others' readers now.
            for id in try tx.recordsNamingSeveralAccounts() { sequence = try tx.resequence(record: id, after: sequence) }
            try tx.setSequence(sequence)
            try tx.setSetting(AccessRule.settingKey, AccessRule.version)
            return Int(sequence - start)
        }
        if changed > 0 { logger.notice("access rows follow the current access rule", metadata: ["feed_changes": "\(changed)"]) }
    }

    // MARK: The office

    /// The accounts `user` may see that match `query`.
    public func accounts(matching query: AccountQuery, for user: User) async throws -> AccountList {
        try await storage.accounts(matching: query, in: AccessRule.scope(of: user))
    }

    /// Every account `user` may see that matches `query`, all pages, with all its fields.
    public func accountRecords(matching query: AccountQuery, for user: User) async throws -> [Account] {
        try await storage.accountRecords(matching: query, in: AccessRule.scope(of: user))
    }

    /// One account with everything on it, or `nil` if `user` cannot see it:
    /// an account one may not see reads exactly like one that does not exist.
    public func account(_ id: RecordID, for user: User) async throws -> AccountDetail? {
        try await storage.read { tx -> AccountDetail? in
            guard try AccessRule.maySee(user, account: id, tx), let stored = try tx.record(id), stored.state.kind == .account,
                stored.state.status.isVisible
            else { return nil }
            do {
                return try AccountDetail(
                    account: stored.state, records: try tx.records(of: id), authors: try tx.replicaUsers(nil),
                    ownerChanges: try tx.ownerChanges(of: id))
            } catch let error as DomainError {
                throw SyncError.invalidValue(kind: .account, id: id, error)
            }
        }
    }

    /// What the office's reports read, over the accounts `user` may see.
    public func reportData(for user: User) async throws -> ReportData {
        let scope = AccessRule.scope(of: user)
        return ReportData(states: try await storage.read { tx in try tx.visibleRecords(of: ReportData.kinds, in: scope) })
    }

    /// The pipeline over the accounts `user` may see.
    public func pipeline(for user: User) async throws -> PipelineReport {
        PipelineReport(accounts: try await storage.accountSummaries(in: AccessRule.scope(of: user)))
    }
}

extension ReplicaInfo {
    /// Whether its last-seen time is due to be written again at `now`
    /// (``SyncService/lastSeenResolution`` old, or never written).
    func isStale(at now: Int64) -> Bool {
        lastSeenAt.map { now - $0 >= SyncService.lastSeenResolution } ?? true
    }
}

/// One change of the feed as a pull page is assembled.
enum FeedChange {
    case record(FeedRow)
    case removal(UInt64, Removal)
    case owner(UInt64, OwnerChange)

    var sequence: UInt64 {
        switch self {
        case .record(let row): row.sequence
        case .removal(let sequence, _), .owner(let sequence, _): sequence
        }
    }
}
