import Foundation
import KAMProtocol
import PostgresNIO

/// Replicas, their highest counters and the refusals remembered by their dots.
extension PostgresTransaction {
    static let replicaColumns = "SELECT id, user_name, registered_at, last_seen_at, revoked_at FROM replicas"

    static func replicaInfo(_ row: PostgresRow) throws -> ReplicaInfo? {
        let (id, user, registeredAt, lastSeenAt, revokedAt) = try row.decode((String, String, Int64, Int64?, Int64?).self)
        guard let id = ReplicaID(rawValue: id) else { return nil }
        return ReplicaInfo(id: id, user: user, registeredAt: registeredAt, lastSeenAt: lastSeenAt, revokedAt: revokedAt)
    }

    /// A row of `id, user_name, registered_at, last_seen_at, revoked_at, highest_counter`.
    static func replicaWithCounter(_ row: PostgresRow) throws -> (info: ReplicaInfo, highestCounter: UInt64)? {
        let (id, user, registeredAt, lastSeenAt, revokedAt, highest) = try row.decode((String, String, Int64, Int64?, Int64?, Int64).self)
        guard let id = ReplicaID(rawValue: id) else { return nil }
        return (ReplicaInfo(id: id, user: user, registeredAt: registeredAt, lastSeenAt: lastSeenAt, revokedAt: revokedAt), UInt64(max(0, highest)))
    }

    func replica(_ id: ReplicaID) throws -> ReplicaInfo? {
        for replicas in replicasOf.values { if let known = replicas.first(where: { $0.info.id == id }) { return known.info } }
        // With the other replicas of its user: a push asks for their counters next.
        try readReplicas([id.rawValue])
        for replicas in replicasOf.values { if let known = replicas.first(where: { $0.info.id == id }) { return known.info } }
        return nil
    }

    /// The replicas with their users' others, then the records with what a
    /// push needs of them (``records(_:)``): two statements for a whole group of pushes.
    func prefetch(records recordIDs: [RecordID], replicas replicaIDs: [ReplicaID]) throws {
        let known = Set(replicasOf.values.joined().map(\.info.id))
        let unknown = Set(replicaIDs).subtracting(known)
        if !unknown.isEmpty { try readReplicas(unknown.map(\.rawValue)) }
        if !recordIDs.isEmpty { _ = try records(recordIDs) }
    }

    /// Reads `ids` and the other replicas of their users into ``replicasOf``.
    func readReplicas(_ ids: [String]) throws {
        var found: [String: [(info: ReplicaInfo, highestCounter: UInt64)]] = [:]
        for row in try session.execute(PreparedStatements.Replicas(ids: ids)) {
            if let replica = try Self.replicaWithCounter(row) { found[replica.info.user, default: []].append(replica) }
        }
        replicasOf.merge(found) { _, read in read }
    }

    func replicas(user: String?) throws -> [ReplicaInfo] {
        let rows = if let user {
            try session.rows("\(unescaped: Self.replicaColumns) WHERE user_name = \(user) ORDER BY registered_at, id")
        } else {
            try session.rows("\(unescaped: Self.replicaColumns) ORDER BY user_name, registered_at, id")
        }
        return try rows.compactMap(Self.replicaInfo)
    }

    func activeReplicaCount(of user: String) throws -> Int {
        try session.rows("SELECT COUNT(*) FROM replicas WHERE user_name = \(user) AND revoked_at IS NULL")[0].decode(Int.self)
    }

    func revokeReplica(_ replica: ReplicaID, at: Int64) throws {
        replicasOf = [:]
        try session.send("UPDATE replicas SET revoked_at = \(at) WHERE id = \(replica.rawValue) AND revoked_at IS NULL")
    }

    func markSeen(_ replica: ReplicaID, at: Int64) throws {
        // A time stamp: no order with the feed, so no wait for the counter row.
        connection.send("UPDATE replicas SET last_seen_at = \(at) WHERE id = \(replica.rawValue)")
    }

    func replicaCounters(of user: String) throws -> [ReplicaID: UInt64] {
        var result: [ReplicaID: UInt64] = [:]
        if let known = replicasOf[user] {
            for replica in known where !replica.info.isRevoked { result[replica.info.id] = replica.highestCounter }
        } else {
            for row in try session.rows("SELECT id, highest_counter FROM replicas WHERE user_name = \(user) AND revoked_at IS NULL") {
                let (id, counter) = try row.decode((String, Int64).self)
                if let id = ReplicaID(rawValue: id) { result[id] = UInt64(max(0, counter)) }
            }
        }
        // Set by this transaction and not yet written.
        for (replica, counter) in counter.highest where result[replica] != nil { result[replica] = counter }
        return result
    }

    func replicaUsers(_ replicas: Set<ReplicaID>?) throws -> [ReplicaID: String] {
        var result: [ReplicaID: String] = [:]
        let rows: [PostgresRow]
        if let replicas {
            var unknown: [String] = []
            for replica in replicas {
                if let user = numbers.cachedUser(of: replica) { result[replica] = user } else { unknown.append(replica.rawValue) }
            }
            guard !unknown.isEmpty else { return result }
            rows = try session.rows("SELECT id, user_name FROM replicas WHERE id = ANY(\(unknown))")
        } else {
            rows = try session.rows("SELECT id, user_name FROM replicas")
        }
        var read: [(ReplicaID, String)] = []
        for row in rows {
            let (id, user) = try row.decode((String, String).self)
            if let id = ReplicaID(rawValue: id) {
                result[id] = user
                read.append((id, user))
            }
        }
        // A snapshot holds only committed registrations, and a replica's user never changes.
        if mode == .read { numbers.remember(users: read) }
        return result
    }

    func insertReplica(_ replica: ReplicaID, user: String, at: Int64) throws {
        replicasOf[user] = nil
        try session.send("INSERT INTO replicas (id, user_name, registered_at) VALUES (\(replica.rawValue), \(user), \(at))")
    }

    func setHighestCounter(_ counter: UInt64, of replica: ReplicaID) throws {
        guard mode == .write else {
            try session.query("UPDATE replicas SET highest_counter = \(try Self.stored(counter)) WHERE id = \(replica.rawValue)")
            return
        }
        _ = try Self.stored(counter)
        _ = try session
        self.counter.highest[replica] = counter
    }

    func replicas(numbered wanted: Set<UInt64>) throws -> [UInt64: ReplicaID] {
        var result: [UInt64: ReplicaID] = [:]
        for number in wanted { result[number] = try replica(numbered: number) }
        return result
    }

    func refusals(replica: ReplicaID, counters: [UInt64]) throws -> [RememberedRefusal] {
        let stored = counters.compactMap { Int64(exactly: $0) }
        guard !stored.isEmpty else { return [] }
        let rows = try session.rows("""
            SELECT counter, record_id, kind, field, code, message FROM refusals
            WHERE replica = \(replica.rawValue) AND counter = ANY(\(stored))
            """)
        var found: [Int64: RememberedRefusal] = [:]
        for row in rows {
            let (counter, record, kind, field, code, message) = try row.decode((Int64, String, String, String?, String, String).self)
            guard let id = RecordID(rawValue: record), let kind = RecordKind(rawValue: kind) else { continue }
            found[counter] = RememberedRefusal(
                dot: Dot(replica: replica, counter: UInt64(counter)), record: id,
                refusal: PushRefusal(kind: kind, id: id, field: field, code: code, message: message))
        }
        // In the order asked, as the embedded store answers.
        return stored.compactMap { found[$0] }
    }

    func remember(_ refusals: [RememberedRefusal]) throws {
        for remembered in refusals {
            try session.send("""
                INSERT INTO refusals (replica, counter, record_id, kind, field, code, message)
                VALUES (\(remembered.dot.replica.rawValue), \(try Self.stored(remembered.dot.counter)), \(remembered.record.rawValue),
                        \(remembered.refusal.kind.rawValue), \(remembered.refusal.field), \(remembered.refusal.code),
                        \(remembered.refusal.message))
                ON CONFLICT (replica, counter) DO UPDATE SET record_id = excluded.record_id, kind = excluded.kind,
                    field = excluded.field, code = excluded.code, message = excluded.message
                """)
        }
    }
}
