import Hummingbird

/// Finds the user behind `Authorization: Bearer TOKEN`; answers 401 without one.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = KAMRequestContext
    let service: SyncService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Self.unauthorized("a bearer token is required: send 'Authorization: Bearer TOKEN'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Self.unauthorized("the Authorization header must be 'Bearer TOKEN'")
        }
        guard let user = try await service.authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw Self.unauthorized("the token is unknown or revoked: ask an administrator for a new one")
        }
        var context = context
        context.user = user
        context.logger[metadataKey: "user"] = "\(user.name)"
        return try await next(request, context)
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message: message, headers: [.wwwAuthenticate: "Bearer realm=\"kam\""])
    }
}

import Foundation
