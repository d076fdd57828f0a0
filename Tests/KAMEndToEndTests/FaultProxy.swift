import Foundation

/// A TCP proxy on loopback that damages connections on purpose: it cuts them
/// after some bytes of the answer, stalls them, delays every chunk, or
/// delivers the request a second time on a new connection.
final class FaultProxy: @unchecked Sendable {
    enum Fault: Sendable, CustomStringConvertible {
        case none
        /// Close both sides after this many bytes of the answer.
        case cutAnswerAfter(Int)
        /// Close both sides after this many bytes of the request.
        case cutRequestAfter(Int)
        /// Forward nothing more for this long once the answer starts.
        case stall(seconds: Int)
        /// Wait this long before forwarding each chunk.
        case delay(milliseconds: Int)
        /// Deliver the request again on a new connection once the first is done.
        case duplicate

        var description: String {
            switch self {
            case .none: "none"
            case .cutAnswerAfter(let n): "cut the answer after \(n) bytes"
            case .cutRequestAfter(let n): "cut the request after \(n) bytes"
            case .stall(let s): "stall \(s) s"
            case .delay(let ms): "delay \(ms) ms a chunk"
            case .duplicate: "deliver twice"
            }
        }
    }

    let port: Int
    let target: Int
    private let listener: Int32
    private let lock = NSLock()
    private var chooser: @Sendable () -> Fault = { .none }
    private(set) var faultsApplied = 0
    private var stopped = false

    init(target: Int) throws {
        self.target = target
        port = try freePort()
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(listener, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Chooses the fault for each new connection.
    func faults(_ chooser: @escaping @Sendable () -> Fault) {
        lock.withLock { self.chooser = chooser }
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            let fault = lock.withLock { () -> Fault in
                let fault = chooser()
                if case .none = fault {} else { faultsApplied += 1 }
                return fault
            }
            Thread.detachNewThread { [self] in handle(client, fault) }
        }
    }

    private func connectTarget() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(target)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if connected != 0 { close(fd); return nil }
        return fd
    }

    private func handle(_ client: Int32, _ fault: Fault) {
        guard let server = connectTarget() else { close(client); return }
        let request = RequestCopy()
        let done = DispatchGroup()
        done.enter()
        Thread.detachNewThread { [self] in
            relay(from: client, to: server, fault: fault, answer: false, copy: request)
            shutdown(server, Int32(SHUT_WR))
            done.leave()
        }
        relay(from: server, to: client, fault: fault, answer: true, copy: nil)
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(server, Int32(SHUT_RDWR))
        _ = done.wait(timeout: .now() + 30)
        close(client)
        close(server)
        if case .duplicate = fault, let again = connectTarget() {
            // The same request once more; its answer goes nowhere.
            let bytes = request.bytes
            _ = bytes.withUnsafeBytes { send(again, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            shutdown(again, Int32(SHUT_WR))
            var sink = [UInt8](repeating: 0, count: 16_384)
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(again, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            while recv(again, &sink, sink.count, 0) > 0 {}
            close(again)
        }
    }

    final class RequestCopy: @unchecked Sendable {
        var bytes: [UInt8] = []
    }

    private func relay(from source: Int32, to sink: Int32, fault: Fault, answer: Bool, copy: RequestCopy?) {
        var buffer = [UInt8](repeating: 0, count: 8_192)
        var moved = 0
        var stalled = false
        while true {
            let count = recv(source, &buffer, buffer.count, 0)
            if count <= 0 { return }
            var chunk = Array(buffer[0..<count])
            copy?.bytes += chunk
            switch fault {
            case .cutAnswerAfter(let limit) where answer, .cutRequestAfter(let limit) where !answer:
                if moved + count >= limit {
                    chunk = Array(chunk.prefix(max(0, limit - moved)))
                    _ = chunk.withUnsafeBytes { send(sink, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    shutdown(source, Int32(SHUT_RDWR))
                    shutdown(sink, Int32(SHUT_RDWR))
                    return
                }
            case .stall(let seconds) where answer && !stalled:
                stalled = true
                sleep(UInt32(seconds))
            case .delay(let milliseconds):
                usleep(UInt32(milliseconds) * 1_000)
            default:
                break
            }
            moved += count
            let sent = chunk.withUnsafeBytes { send(sink, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 { return }
        }
    }
}
