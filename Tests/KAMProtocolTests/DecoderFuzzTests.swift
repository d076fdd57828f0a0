import Foundation
import KAMProtocol
import KAMTestSupport
import Testing

/// Mutated wire bytes, JSON and binary, fed to every decoder a server or a
/// laptop runs on what arrives: each must answer with a value or an error,
/// never trap. A value that decodes encodes and decodes again to itself.
/// `KAM_FUZZ_SEED` replays a run; `KAM_FUZZ_CASES` runs more cases.
@Suite("Decoder fuzzing")
struct DecoderFuzzTests {
    static var cases: Int { ProcessInfo.processInfo.environment["KAM_FUZZ_CASES"].flatMap(Int.init) ?? 3_000 }
    /// The run's seed, printed first: a trap ends the process before any issue is recorded.
    static func seed(_ test: String) -> UInt64 {
        let seed = ProcessInfo.processInfo.environment["KAM_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("\(test): KAM_FUZZ_SEED=\(seed) replays this run")
        return seed
    }

    /// A page with every kind of value and register shape in it.
    static func samplePage() -> PullPage {
        let a = ReplicaID(rawValue: "laptop-a")!
        let b = ReplicaID(rawValue: "laptop-b")!
        var account = RecordState(kind: .account, id: RecordID(rawValue: "acct-1")!)
        account.write("name", .text("华为技术有限公司"), dot: Dot(replica: a, counter: 1), at: Timestamp(rawValue: 1_795_427_400_000))
        account.write("share", .integer(3_750), dot: Dot(replica: a, counter: 2), at: Timestamp(rawValue: 0))
        var other = RecordState(kind: .account, id: account.id)
        other.write("name", .text("ACME"), dot: Dot(replica: b, counter: Dot.maximumCounter), at: Timestamp(rawValue: Timestamp.validRange.upperBound))
        other.write("notes", .null, dot: Dot(replica: b, counter: 7), at: Timestamp(rawValue: 5))
        account.join(other)
        var clock = DotClock(replica: a, counter: 10)
        account.delete(clock: &clock, at: Timestamp(rawValue: 9))
        return PullPage(records: [account], authors: [a: "li", b: "zhao"], cursor: 42, hasMore: true)
    }

    /// Numbers and texts a hostile client would try.
    static let extremes = [
        "0", "-1", "1", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
        "-9223372036854775808", "-9223372036854775809", "1e400", "-0", "1.5", "null", "true", "\"\"", "\"\\u001b[31m\"",
        "[]", "{}", String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000),
    ]

    @Test("mutated binary pull pages and registers decode or fail, never trap")
    func binary() throws {
        let seed = Self.seed("binary")
        var rng = SplitMix(seed: seed)
        let page = Self.samplePage().binaryEncoded()
        let register = StateEncoding.encode(Self.samplePage().records[0]["name"])
        var decoded = 0
        for _ in 0..<Self.cases {
            for original in [page, register] {
                let bytes = Self.mutate(Array(original), &rng)
                if original == page {
                    if let value = try? PullPage(binary: Data(bytes)) {
                        decoded += 1
                        #expect(try PullPage(binary: value.binaryEncoded()) == value, "KAM_FUZZ_SEED=\(seed)")
                    }
                } else if let value = try? StateEncoding.decodeField(Data(bytes)) {
                    decoded += 1
                    #expect(try StateEncoding.decodeField(StateEncoding.encode(value)) == value, "KAM_FUZZ_SEED=\(seed)")
                }
            }
        }
        #expect(decoded > 0, "some mutations keep the bytes valid, so both paths were exercised")
    }

    @Test("JSON pushes and pages with extreme numbers, texts and nesting decode or fail, never trap")
    func json() throws {
        let seed = Self.seed("json")
        var rng = SplitMix(seed: seed)
        let encoder = WireFormat.encoder()
        let decoder = WireFormat.decoder()
        let page = Self.samplePage()
        let push = String(decoding: try encoder.encode(PushRequest(replica: ReplicaID(rawValue: "laptop-a")!, records: page.records)), as: UTF8.self)
        let pageJSON = String(decoding: try encoder.encode(page), as: UTF8.self)
        let tokens = try NSRegularExpression(pattern: #"-?[0-9]+|"(?:[^"\\]|\\.)*""#)
        for _ in 0..<Self.cases {
            for text in [push, pageJSON] {
                let matches = tokens.matches(in: text, range: NSRange(text.startIndex..., in: text))
                guard let match = matches.randomElement(using: &rng), let range = Range(match.range, in: text) else { continue }
                var mutated = text
                mutated.replaceSubrange(range, with: Self.extremes.randomElement(using: &rng)!)
                let data = Data(mutated.utf8)
                if text == push, let value = try? decoder.decode(PushRequest.self, from: data) {
                    #expect(try decoder.decode(PushRequest.self, from: encoder.encode(value)) == value, "KAM_FUZZ_SEED=\(seed)")
                } else if let value = try? decoder.decode(PullPage.self, from: data) {
                    #expect(try decoder.decode(PullPage.self, from: encoder.encode(value)) == value, "KAM_FUZZ_SEED=\(seed)")
                }
            }
        }
    }

    /// Flips, inserts, deletes or overwrites a few bytes, or cuts the tail.
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
            case 2: bytes.remove(at: index)
            case 3: bytes[index] = [0x00, 0x7F, 0x80, 0xFF].randomElement(using: &rng)!
            default: bytes.removeSubrange(index...)
            }
        }
        return bytes
    }
}
