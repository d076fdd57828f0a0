import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import KAMProtocol
import KAMServer
import Testing
import Yams

/// Calls the API through a test client, checks each answer, and remembers
/// which route answered with which status for the OpenAPI check.
final class APIHarness: @unchecked Sendable {
    let client: any TestClientProtocol
    let tokens: [String: String]
    private(set) var seen: Set<String> = []

    init(client: any TestClientProtocol, tokens: [String: String]) {
        self.client = client
        self.tokens = tokens
    }

    /// One call: `route` is the path template as in openapi.yaml.
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, route: String? = nil, as user: String? = nil,
        headers: HTTPFields = [:], body: ByteBuffer? = nil, json: (any Encodable)? = nil,
        expect status: HTTPResponse.Status, code: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestResponse {
        var headers = headers
        if let user { headers[.authorization] = "Bearer \(tokens[user] ?? user)" }
        var body = body
        if let json {
            body = ByteBuffer(bytes: try WireFormat.encoder().encode(json))
            headers[.contentType] = "application/json"
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        #expect(response.status == status, "\(method) \(uri): \(String(buffer: response.body))", sourceLocation: sourceLocation)
        if status.code >= 400 {
            let error = try? WireFormat.decoder().decode(ErrorBody.self, from: Data(buffer: response.body))
            #expect(error != nil, "\(method) \(uri): the error body is not {error: {code, message}}", sourceLocation: sourceLocation)
            if let code { #expect(error?.error.code == code, sourceLocation: sourceLocation) }
            #expect(error.map { !$0.error.message.isEmpty } ?? false, sourceLocation: sourceLocation)
        }
        let template = route ?? String(uri.split(separator: "?").first ?? "")
        seen.insert("\(method.rawValue) \(template) \(response.status.code)")
        return response
    }

    /// Decodes a JSON response body (gunzipping it when it was gzipped).
    func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        var body = response.body
        if response.headers[.contentEncoding] == "gzip" { body = try body.decompress(with: .gzip()) }
        return try WireFormat.decoder().decode(T.self, from: Data(buffer: body))
    }
}

/// The routes and statuses documented in Protocol/openapi.yaml.
enum OpenAPISpec {
    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocol/openapi.yaml")
    }

    /// `METHOD /path` for every operation.
    static func operations() throws -> [String: Set<Int>] {
        let document = try Yams.load(yaml: String(contentsOf: url, encoding: .utf8)) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: Any])
        var result: [String: Set<Int>] = [:]
        for (path, item) in paths {
            for (method, operation) in (item as? [String: Any]) ?? [:] {
                let responses = ((operation as? [String: Any])?["responses"] as? [String: Any]) ?? [:]
                result["\(method.uppercased()) \(path)"] = Set(responses.keys.compactMap { Int($0) })
            }
        }
        return result
    }
}
