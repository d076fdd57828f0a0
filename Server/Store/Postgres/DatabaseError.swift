import Foundation
import PostgresNIO

/// A database that refused or failed a request, in words a person can act on.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// What failed, and what to check.
    public var description: String

    /// `error` as it should be shown: PostgreSQL's own message and code for
    /// its errors (postgres-nio hides them from `description`), else as it is.
    public static func explaining(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else {
            // The pool gives up after its connection attempts keep failing.
            if String(reflecting: error).contains("connectionCreationCircuitBreakerTripped") {
                return DatabaseError(
                    description: "cannot reach PostgreSQL: every connection attempt failed. Check the address, that the server runs and accepts this user")
            }
            return error
        }
        if let message = error.serverInfo?[.message] {
            let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            let detail = error.serverInfo?[.detail].map { ": \($0)" } ?? ""
            return DatabaseError(description: "PostgreSQL refused the request: \(message)\(detail)\(code)")
        }
        if let underlying = error.underlying {
            return DatabaseError(description: "cannot reach PostgreSQL: \(underlying). Check the address, that the server runs and accepts this user")
        }
        return DatabaseError(description: "PostgreSQL failed: \(String(reflecting: error))")
    }
}
