import Crypto
import Foundation
import Hummingbird

/// Who may read `/metrics`: anyone, or, when the server has a metrics token,
/// only requests with `Authorization: Bearer <metrics token>`.
struct MetricsAccess {
    let token: String?

    func check(_ request: Request) throws {
        guard let token, !token.isEmpty else { return }
        let unauthorized = APIError(
            .unauthorized, code: "unauthorized",
            message: "the metrics are closed: send 'Authorization: Bearer' with the server's metrics token (kam-server serve --metrics-token)",
            headers: [.wwwAuthenticate: "Bearer realm=\"kam-metrics\""])
        guard let header = request.headers[.authorization] else { throw unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw unauthorized }
        // Compared as hashes, so the time taken says nothing about the token.
        let given = SHA256.hash(data: Data(parts[1].trimmingCharacters(in: .whitespaces).utf8))
        guard given == SHA256.hash(data: Data(token.utf8)) else { throw unauthorized }
    }
}
