import Hummingbird
import NIOCore
import KAMProtocol

/// An error the API answers with: a status and `{ "error": { "code", "message" } }`.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code.
    public var code: String
    /// What was wrong and what to do, for a person.
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try WireFormat.encoder().encode(ErrorBody(code: code, message: message))
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    static func badRequest(_ message: String, code: String = "bad-request") -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    /// 406: the request's `Accept` takes none of the types this address answers in.
    static func notAcceptable(offered: [String]) -> APIError {
        APIError(
            .notAcceptable, code: "not-acceptable",
            message: "this address answers in \(offered.joined(separator: " or ")): send an Accept header that takes one of them")
    }
}

extension APIError {
    /// The answer to any error a handler or the store threw.
    init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as SyncError:
            self = APIError(error)
        case let error as PullError:
            self = APIError(.conflict, code: "cursor-ahead", message: error.description)
        case let error as StorageError:
            self = .badRequest(error.description, code: "out-of-range")
        case let error as UserError:
            self = APIError(.badRequest, code: "bad-user", message: error.description)
        case let error as DecodingError:
            self = .badRequest(Self.describe(error), code: "malformed-body")
        case is NIOTooManyBytesError:
            self = APIError(.contentTooLarge, code: "body-too-large", message: "the request body is larger than the server accepts: send smaller batches")
        case let error as HTTPError:
            let code = switch error.status {
            case .notFound: "not-found"
            case .methodNotAllowed: "method-not-allowed"
            case .contentTooLarge: "body-too-large"
            case .unauthorized: "unauthorized"
            default: error.status.code < 500 ? "bad-request" : "internal"
            }
            self = APIError(error.status, code: code, message: error.body ?? error.status.reasonPhrase, headers: error.headers)
        default:
            self = APIError(.internalServerError, code: "internal", message: "the server failed; it logged the details")
        }
    }

    init(_ error: SyncError) {
        switch error {
        case .pushForbidden:
            self = APIError(.forbidden, code: "read-only-role", message: error.description)
        case .replicaNotRegistered:
            self = APIError(.conflict, code: "replica-not-registered", message: error.description)
        case .replicaOfAnotherUser:
            self = APIError(.forbidden, code: "replica-of-another-user", message: error.description)
        case .replicaRevoked:
            self = APIError(.forbidden, code: "replica-revoked", message: error.description)
        case .tooManyReplicas:
            self = APIError(.forbidden, code: "too-many-replicas", message: error.description)
        case .history(let violation):
            self = APIError(violation.code == "replica-reused-counter" ? .conflict : .forbidden, code: violation.code, message: error.description)
        case .invalidValue:
            self = .badRequest(error.description, code: "invalid-value")
        case .kindMismatch:
            self = .badRequest(error.description, code: "kind-mismatch")
        case .malformedRegister:
            self = .badRequest(error.description, code: "malformed-register")
        case .unsupportedProtocolVersion:
            self = .badRequest(error.description, code: "unsupported-protocol-version")
        }
    }

    /// A decoding error as a sentence that names where in the body it went wrong.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the body" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON" }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be a \(type), not null"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) has the wrong type: expected \(type)"
        @unknown default:
            return "the body could not be read"
        }
    }
}
