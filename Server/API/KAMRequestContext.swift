import Hummingbird
import KAMProtocol
import Logging

/// The context of every request: who is asking, and how bodies are read and written.
public struct KAMRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated user, set by ``AuthenticationMiddleware``.
    public var user: User?
    /// The largest request body accepted, after decompression.
    public var maxUploadSize: Int

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        maxUploadSize = ServerConfiguration.defaultMaximumBodyBytes
    }

    public var requestDecoder: WireRequestDecoder { WireRequestDecoder() }
    public var responseEncoder: WireResponseEncoder { WireResponseEncoder() }

    /// The authenticated user; throws 401 when there is none.
    public func requireUser() throws -> User {
        guard let user else { throw AuthenticationMiddleware.unauthorized("a bearer token is required") }
        return user
    }
}
