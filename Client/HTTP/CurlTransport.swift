import CCurl
import Foundation

/// HTTP through the system libcurl, tuned for bad mobile links.
///
/// - a connection must be made within `connectTimeout`;
/// - a transfer that moves no byte for `stallTimeout` is abandoned;
/// - responses may be gzipped (libcurl undoes it);
/// - TLS is always verified, against the system's authorities or `caCertificate`;
/// - the standard proxy variables (`http_proxy`, `https_proxy`, `no_proxy`, …) apply, as libcurl reads them.
public struct CurlTransport: HTTPTransport {
    public var connectTimeout: Int
    public var stallTimeout: Int
    /// A PEM file of certificate authorities to trust instead of the system's.
    public var caCertificate: String?

    public init(connectTimeout: Int = 15, stallTimeout: Int = 30, caCertificate: String? = nil) {
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.caCertificate = caCertificate
    }

    /// libcurl, opened by the first transfer: commands that never talk to a
    /// server start without loading it and the thirty libraries it needs.
    /// Written once, before any transfer reads it.
    nonisolated(unsafe) private static let library: Result<UnsafePointer<kam_curl_functions>, TransportError> = {
        let functions = UnsafeMutablePointer<kam_curl_functions>.allocate(capacity: 1)
        functions.initialize(to: kam_curl_functions())
        if let problem = kam_curl_load(functions) {
            return .failure(.unavailable("libcurl could not be loaded (\(String(cString: problem))); install it with 'sudo apt-get install libcurl4'"))
        }
        return .success(UnsafePointer(functions))
    }()

    public func send(_ request: HTTPRequestSpec, progress: (@Sendable (TransferProgress) -> Void)?) async throws -> HTTPResult {
        try await withCheckedThrowingContinuation { continuation in
            // A transfer blocks its thread: keep it off the cooperative pool.
            Thread.detachNewThread {
                continuation.resume(with: Result { try perform(request, progress: progress) })
            }
        }
    }

    /// The state one transfer's callbacks write into.
    private final class Transfer {
        var body = Data()
        var headers: [String: String] = [:]
        let progress: (@Sendable (TransferProgress) -> Void)?
        init(progress: (@Sendable (TransferProgress) -> Void)?) { self.progress = progress }
    }

    private func perform(_ request: HTTPRequestSpec, progress: (@Sendable (TransferProgress) -> Void)?) throws -> HTTPResult {
        let curl = try Self.library.get()
        guard let handle = kam_curl_easy_init(curl) else { throw TransportError.failed("libcurl could not start a transfer") }
        defer { kam_curl_easy_cleanup(curl, handle) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let transfer = Transfer(progress: progress)
        let context = Unmanaged.passUnretained(transfer).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { kam_curl_slist_free_all(curl, headerList) }
        for (name, value) in request.headers { headerList = kam_curl_slist_append(curl, headerList, "\(name): \(value)") }
        headerList = kam_curl_slist_append(curl, headerList, "Expect:")  // no 100-continue round trip on slow links

        let body = request.body ?? Data()
        return try body.withUnsafeBytes { bytes -> HTTPResult in
            try errorBuffer.withUnsafeMutableBufferPointer { errors -> HTTPResult in
                kam_curl_setopt_string(curl, handle, CURLOPT_URL, request.url.absoluteString)
                kam_curl_setopt_pointer(curl, handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                kam_curl_setopt_long(curl, handle, CURLOPT_NOSIGNAL, 1)
                kam_curl_setopt_long(curl, handle, CURLOPT_CONNECTTIMEOUT, connectTimeout)
                kam_curl_setopt_long(curl, handle, CURLOPT_LOW_SPEED_LIMIT, 1)
                kam_curl_setopt_long(curl, handle, CURLOPT_LOW_SPEED_TIME, stallTimeout)
                kam_curl_setopt_string(curl, handle, CURLOPT_ACCEPT_ENCODING, "")
                kam_curl_setopt_long(curl, handle, CURLOPT_SSL_VERIFYPEER, 1)
                kam_curl_setopt_long(curl, handle, CURLOPT_SSL_VERIFYHOST, 2)
                if let caCertificate { kam_curl_setopt_string(curl, handle, CURLOPT_CAINFO, caCertificate) }
                kam_curl_setopt_slist(curl, handle, CURLOPT_HTTPHEADER, headerList)
                kam_curl_setopt_string(curl, handle, CURLOPT_CUSTOMREQUEST, request.method)
                if request.body != nil {
                    kam_curl_setopt_long(curl, handle, CURLOPT_POST, 1)
                    kam_curl_setopt_pointer(curl, handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                    kam_curl_setopt_off(curl, handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                }
                kam_curl_setopt_write(curl, handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                    if let data { transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count) }
                    return size * count
                }
                kam_curl_setopt_pointer(curl, handle, CURLOPT_WRITEDATA, context)
                kam_curl_setopt_write(curl, handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                    if let data {
                        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                        if let colon = line.firstIndex(of: ":") {
                            transfer.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                        }
                    }
                    return size * count
                }
                kam_curl_setopt_pointer(curl, handle, CURLOPT_HEADERDATA, context)
                if progress != nil {
                    kam_curl_setopt_long(curl, handle, CURLOPT_NOPROGRESS, 0)
                    kam_curl_setopt_progress(curl, handle) { context, _, downloaded, _, uploaded in
                        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                        transfer.progress?(TransferProgress(sent: Int64(uploaded), received: Int64(downloaded)))
                        return 0
                    }
                    kam_curl_setopt_pointer(curl, handle, CURLOPT_XFERINFODATA, context)
                }
                let code = kam_curl_easy_perform(curl, handle)
                guard code == CURLE_OK else {
                    let detail = errors.baseAddress.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
                        ?? String(cString: kam_curl_easy_strerror(curl, code))
                    throw Self.error(code, detail)
                }
                var status = 0
                kam_curl_getinfo_long(curl, handle, CURLINFO_RESPONSE_CODE, &status)
                return HTTPResult(status: status, headers: transfer.headers, body: transfer.body)
            }
        }
    }

    static func error(_ code: CURLcode, _ detail: String) -> TransportError {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            .unreachable(detail)
        case CURLE_OPERATION_TIMEDOUT:
            .timedOut(detail)
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_BAD_CONTENT_ENCODING:
            .interrupted(detail)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE:
            .tls(detail)
        default:
            .failed(detail)
        }
    }
}
