import Foundation
import Hummingbird

/// Serves at most `limit` requests at once and refuses the rest at once with
/// 429 `busy` and `Retry-After`, so a saturated server answers quickly instead
/// of queueing without bound. kam retries after the pause it is told.
public struct BusyMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The requests in flight, shared by every copy of the middleware.
    final class InFlight: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0

        func enter(limit: Int) -> Bool {
            lock.withLock {
                guard count < limit else { return false }
                count += 1
                return true
            }
        }

        func leave() { lock.withLock { count -= 1 } }
    }

    let limit: Int
    let retryAfterSeconds: Int
    let inFlight = InFlight()

    /// - Parameters:
    ///   - limit: the most requests served at once through this middleware.
    ///   - retryAfterSeconds: the pause a refused client is told to take.
    public init(limit: Int, retryAfterSeconds: Int) {
        self.limit = max(1, limit)
        self.retryAfterSeconds = max(1, retryAfterSeconds)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard inFlight.enter(limit: limit) else {
            throw APIError(
                .tooManyRequests, code: "busy",
                message: "the server is serving as many syncs as it can: try again in \(retryAfterSeconds) seconds (kam sync does so by itself)",
                headers: [.retryAfter: String(retryAfterSeconds)])
        }
        defer { inFlight.leave() }
        return try await next(request, context)
    }
}
