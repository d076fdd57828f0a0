import Foundation
import KAMFaults
import KAMProtocol

/// Commits the pushes that arrive together in one write transaction (group
/// commit), each in its own savepoint and acknowledged on its own.
///
/// A push that fails (forged history, a revoked replica) is rolled back to
/// its savepoint and answered with its error; the others in the group
/// commit. While one group commits, the next one gathers: under load a
/// transaction carries many pushes, and alone a push commits at once.
actor PushCommitter {
    /// One push waiting for its group.
    struct Pending: Sendable {
        let user: User
        let replica: ReplicaID
        let batch: [RecordState]
        let continuation: CheckedContinuation<PushOutcome, any Error>
    }

    let storage: any SyncStorage
    /// The most pushes one transaction carries.
    let maximumGroup: Int
    /// The most records one transaction carries (a lone push may carry more),
    /// so a group of full batches does not hold the writer for long.
    let maximumGroupRecords: Int
    private var queue: [Pending] = []
    private var draining = false

    init(storage: any SyncStorage, maximumGroup: Int = 64, maximumGroupRecords: Int = 5_000) {
        self.storage = storage
        self.maximumGroup = max(1, maximumGroup)
        self.maximumGroupRecords = max(1, maximumGroupRecords)
    }

    /// Merges `batch` from `replica` pushed by `user`, with whatever pushes arrive meanwhile.
    func push(_ batch: [RecordState], from replica: ReplicaID, by user: User) async throws -> PushOutcome {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(user: user, replica: replica, batch: batch, continuation: continuation))
            guard !draining else { return }
            draining = true
            Task { await drain() }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            var size = 1
            var records = queue[0].batch.count
            while size < min(queue.count, maximumGroup), records + queue[size].batch.count <= maximumGroupRecords {
                records += queue[size].batch.count
                size += 1
            }
            let group = Array(queue.prefix(size))
            queue.removeFirst(size)
            let results = await Self.commit(group.map { ($0.user, $0.replica, $0.batch) }, storage: storage)
            precondition(results.count == group.count, "one result per push")
            for (pending, result) in zip(group, results) { pending.continuation.resume(with: result) }
        }
        draining = false
    }

    /// Merges `pushes` in one transaction, each in its own savepoint; one
    /// result per push, in order. A storage failure fails them all.
    static func commit(
        _ pushes: [(user: User, replica: ReplicaID, batch: [RecordState])], storage: any SyncStorage
    ) async -> [Result<PushOutcome, any Error>] {
        do {
            return try await storage.write { tx in
                // What every push of the group reads first, asked for once. A
                // hint: what it cannot read (a damaged row) is read again, and
                // fails, in the savepoint of the push that needs it, and a
                // database failure fails the transaction at its next statement.
                try? tx.prefetch(records: pushes.flatMap { $0.batch.map(\.id) }, replicas: pushes.map(\.replica))
                var results: [Result<PushOutcome, any Error>] = []
                for push in pushes {
                    do {
                        let outcome = try tx.savepoint { try PushMerge(tx: tx, user: push.user, replica: push.replica).run(push.batch) }
                        results.append(.success(outcome))
                    } catch {
                        // Rolled back to its savepoint: this push fails alone.
                        results.append(.failure(error))
                    }
                }
                CrashPoint.beforePushCommit.reach()
                return results
            }
        } catch {
            return pushes.map { _ in .failure(error) }
        }
    }
}
