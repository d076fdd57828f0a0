import Hummingbird

/// Turns every error into the API's JSON error body, so a client never sees
/// anything else; failures of the server itself are logged with the request id.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = APIError(error)
            if answer.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            } else {
                context.logger.info("request refused", metadata: ["status": "\(answer.status.code)", "code": "\(answer.code)"])
            }
            return try answer.response(from: request, context: context)
        }
    }
}
