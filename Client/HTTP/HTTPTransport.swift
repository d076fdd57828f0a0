import Foundation

/// One HTTP request as the sync engine makes it.
public struct HTTPRequestSpec: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The answer to a request: status, headers (names in lower case) and the body, already un-gzipped.
public struct HTTPResult: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// How far a transfer has got, in bytes.
public struct TransferProgress: Sendable, Hashable {
    public var sent: Int64
    public var received: Int64
}

/// Why a request got no answer.
public enum TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The server could not be reached (name lookup, refused, unreachable).
    case unreachable(String)
    /// The connection stalled or took too long.
    case timedOut(String)
    /// The connection broke half-way.
    case interrupted(String)
    /// The server's certificate could not be verified.
    case tls(String)
    /// Anything else libcurl reports.
    case failed(String)
    /// This laptop cannot make HTTP requests at all: libcurl is missing.
    case unavailable(String)

    /// Whether trying again later may succeed.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut, .interrupted: true
        case .tls, .failed, .unavailable: false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let detail): "cannot reach the server (\(detail))"
        case .timedOut(let detail): "the connection timed out (\(detail))"
        case .interrupted(let detail): "the connection broke (\(detail))"
        case .tls(let detail): "the server's certificate could not be verified (\(detail)): if it uses a private certificate authority, trust its CA file with 'kam config --ca-cert PEM'"
        case .failed(let detail): "the request failed (\(detail))"
        case .unavailable(let detail): "kam cannot talk to the server from this laptop: \(detail)"
        }
    }
}

/// Sends HTTP requests. The real one is ``CurlTransport``; tests use others.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequestSpec, progress: (@Sendable (TransferProgress) -> Void)?) async throws -> HTTPResult
}
