import Foundation
import KAMProtocol
import NIOCore
import PostgresNIO

/// The statements every request runs, prepared once per connection: the
/// sign-in of each request and the replica check of each push and pull.
/// PostgreSQL plans them once instead of on every call (and plans them
/// again by itself when the search path changes).
enum PreparedStatements {
    /// The user a token hash belongs to, unless revoked.
    struct UserByToken: RowsStatement {
        static let sql = "SELECT name, role, created_at, revoked_at FROM users WHERE token_hash = $1 AND revoked_at IS NULL"
        var hash: Data
        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            try bindings.append(hash)
            return bindings
        }
    }

    /// Replicas as registered, with the other replicas of their users and
    /// every one's highest counter: a push checks its replica, then reads
    /// them; a group of pushes reads all of its replicas at once.
    struct Replicas: RowsStatement {
        static let sql = """
            SELECT id, user_name, registered_at, last_seen_at, revoked_at, highest_counter FROM replicas
            WHERE user_name IN (SELECT user_name FROM replicas WHERE id = ANY($1))
            """
        var ids: [String]
        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(ids)
            return bindings
        }
    }
}

/// A prepared statement whose rows are decoded where they are read.
protocol RowsStatement: PostgresPreparedStatement where Row == PostgresRow {}

extension RowsStatement {
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension PostgresSession {
    /// Runs a prepared statement (preparing it on this connection the first
    /// time) and collects its rows, from a thread that may block.
    func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) throws -> [PostgresRow]
    where Statement.Row == PostgresRow {
        let (connection, logger) = (connection, logger)
        let answered = Result {
            try connection.eventLoop.makeFutureWithTask {
                var rows: [PostgresRow] = []
                for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
                return rows
            }.wait()
        }
        // postgres-nio keeps a failed preparation for the life of the
        // connection: a passing failure (a lock timeout, a cancelled backend,
        // a transaction an earlier statement aborted) must not fail every
        // later request on it. Closed whatever failed first.
        if case .failure = answered { _ = connection.close() as EventLoopFuture<Void> }
        // A statement sent before it failed first: that failure is the one to report.
        try settle()
        return try answered.get()
    }
}
