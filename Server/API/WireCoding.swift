import CompressNIO
import Hummingbird
import KAMProtocol

/// Reads JSON request bodies as the wire format, gunzipping them when sent
/// with `Content-Encoding: gzip`, within the size limit.
public struct WireRequestDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        try Self.decode(type, from: try await Self.body(of: request, context: context))
    }

    /// The request body, gunzipped when it was sent gzipped, within the size limit.
    static func body(of request: Request, context: some RequestContext) async throws -> ByteBuffer {
        var request = request
        var body = try await request.collectBody(upTo: context.maxUploadSize)
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            guard encoding == "gzip" else {
                throw APIError(.unsupportedMediaType, code: "unsupported-encoding", message: "content encoding '\(encoding)' is not supported: send gzip or no encoding")
            }
            do {
                body = try body.decompress(with: .gzip(), maxSize: context.maxUploadSize)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw APIError(.contentTooLarge, code: "body-too-large", message: "the request body is larger than the server accepts once unzipped: send smaller batches")
            } catch {
                throw APIError.badRequest("the body says it is gzip but is not valid gzip", code: "malformed-body")
            }
        }
        return body
    }

    /// A body read as the wire format; a decoding error is a 400 `malformed-body`.
    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        do {
            return try WireFormat.decoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw APIError.badRequest(APIError.describe(error), code: "malformed-body")
        }
    }
}

/// Writes responses as wire-format JSON, gzipped when the client accepts it
/// and the body is large enough to gain from it.
public struct WireResponseEncoder: ResponseEncoder {
    /// Bodies smaller than this are sent as they are.
    public static let compressionThreshold = 1_024

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        try Self.response(try WireFormat.encoder().encode(value), contentType: "application/json; charset=utf-8", for: request)
    }

    /// A 200 response carrying `body`, gzipped when the client accepts it and it is large enough.
    static func response(_ body: Data, contentType: String, for request: Request) throws -> Response {
        var buffer = ByteBuffer(bytes: body)
        var headers: HTTPFields = [.contentType: contentType]
        if body.count >= Self.compressionThreshold, Self.acceptsGzip(request.headers[.acceptEncoding]) {
            buffer = try buffer.compress(with: .gzip())
            headers[.contentEncoding] = "gzip"
            headers[.vary] = "Accept-Encoding"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// Whether an `Accept` or `Accept-Encoding` header names `value` without `q=0`.
    static func accepts(_ header: String?, _ mediaType: String) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return pieces.first == mediaType && !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }

    static func acceptsGzip(_ header: String?) -> Bool {
        accepts(header, "gzip") || accepts(header, "*")
    }
}

import Foundation
