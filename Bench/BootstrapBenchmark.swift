import Foundation
import KAMClient
import KAMProtocol

/// Benchmark 3: a whole territory pulled into an empty replica over real HTTP.
enum BootstrapBenchmark {
    static func run(_ context: BenchContext, server: ServerProcess, seeded: SeededServer) async throws -> (BenchmarkReport, URL) {
        let scale = context.scale
        var report = BenchmarkReport(
            number: 3, title: "Bootstrap",
            workload: "A new laptop of the rep holding the large territory (\(Format.count(scale.largeTerritory)) accounts, \(Format.count(seeded.largeFieldStates)) field states): `kam init`, then `kam sync` timed as a whole process against `kam-server` on loopback (release builds, gzip on). Bytes on the wire are what the server process wrote to its sockets (`/proc/PID/io`). Reference: the same pull pages (binary, as `kam` asks for them) fetched through libcurl and thrown away, in the same run: what the server and the link cost before the laptop stores anything.")
        let home = try context.folder("laptop-large")
        try runChecked(context.binary("kam"), ["init", "--home", home.path, "--server", server.url.absoluteString, "--token", seeded.largeToken])
        let before = server.writtenBytes
        var output = ""
        let seconds = try Stopwatch.time { output = try runChecked(context.binary("kam"), ["sync", "--json", "--home", home.path]) }
        let summary = try JSONDecoder().decode(SyncSummary.self, from: Data(output.utf8))
        let wire = server.writtenBytes - before
        guard summary.pulled > 0 else { throw BenchError("the bootstrap pulled nothing") }
        context.logger.info("bootstrap", metadata: ["seconds": "\(seconds)", "pulled": "\(summary.pulled)", "wire_bytes": "\(wire)"])

        let referenceBefore = server.writtenBytes
        let (referenceSeconds, pages) = try await fetchPages(server: server, token: seeded.largeToken)
        let referenceWire = server.writtenBytes - referenceBefore

        report.rows = [
            .init("field states pulled", kam: Format.count(seeded.largeFieldStates)),
            .init("record changes applied (a record split over two pages counts twice)", kam: Format.count(summary.pulled)),
            .init("pull requests", kam: "", reference: Format.count(pages)),
            .init("time", kam: Format.seconds(seconds), reference: Format.seconds(referenceSeconds), ratio: Format.ratio(seconds / referenceSeconds)),
            .init("bytes on the wire (server → laptop, gzip)", kam: Format.bytes(wire), reference: Format.bytes(referenceWire)),
            .init("bytes after decompression", kam: Format.bytes(summary.bytesReceived)),
            .init("field states per second", kam: Format.rate(Double(seeded.largeFieldStates) / seconds, "field states")),
        ]
        report.goal("10 s or less", measured: Format.seconds(seconds), met: seconds <= 10, judged: scale.judged)
        let ratio = seconds / referenceSeconds
        report.goal("at most 1.5× the libcurl-only reference", measured: Format.ratio(ratio), met: ratio <= 1.5, judged: scale.judged)
        return (report, home)
    }

    /// Fetches every pull page of the user, as `kam sync` asks for them, and throws the bodies away.
    static func fetchPages(server: ServerProcess, token: String) async throws -> (Double, Int) {
        let transport = CurlTransport()
        var pages = 0
        let seconds = try await Stopwatch.time {
            var cursor: UInt64 = 0
            var more = true
            while more {
                let url = server.url.appendingPathComponent("v1/sync/pull").absoluteString + "?since=\(cursor)&limit=\(SyncEngine.defaultPullLimit)&protocol=\(KAMProtocolVersion.current)"
                let result = try await transport.send(
                    HTTPRequestSpec(
                        method: "GET", url: URL(string: url)!,
                        headers: [("Authorization", "Bearer \(token)"), ("Accept", PullPage.binaryMediaType)]),
                    progress: nil)
                guard result.status == 200 else { throw BenchError("pull answered \(result.status)") }
                (cursor, more) = try pagePosition(result.body)
                pages += 1
            }
        }
        return (seconds, pages)
    }

    /// The cursor and hasMore of a binary pull page, read from its header without decoding its records.
    static func pagePosition(_ body: Data) throws -> (UInt64, Bool) {
        var bytes = body.makeIterator()
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while let byte = bytes.next(), shift < 64 {
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
            throw BenchError("a pull page with a damaged header")
        }
        guard bytes.next() == 0xB2 else { throw BenchError("the server did not answer a binary pull page") }
        _ = try varint()  // protocol version
        let cursor = try varint()
        return (cursor, bytes.next() == 1)
    }
}
