import Foundation
import KAMProtocol
import KAMTestSupport
import KAMServer
import Testing

/// Random pushes full of extreme values (counters, times, amounts, long and
/// odd texts, unknown fields, other people's dots) through the sync service:
/// each is merged, refused or answered with an error, never a trap, and what
/// the server then serves round-trips in both wire forms.
/// `KAM_FUZZ_SEED` replays a run; `KAM_FUZZ_CASES` runs more pushes.
@Suite("Push fuzzing")
struct PushFuzzTests {
    static let counters: [UInt64] = [1, 2, 3, 1_000, Dot.maximumCounter - 1, Dot.maximumCounter, Dot.maximumCounter + 1, UInt64.max]
    static let times: [Int64] = [Int64.min, -1, 0, 1_795_427_400_000, Timestamp.validRange.upperBound, Timestamp.validRange.upperBound + 1, Int64.max]
    static let values: [FieldValue] = [
        .null, .integer(Int64.min), .integer(-1), .integer(0), .integer(3_750), .integer(10_001), .integer(Int64.max),
        .text(""), .text("华为"), .text("initial"), .text("gold"), .text("2026-Q3"), .text("2026-02-30"), .text("acct-0"),
        .text("\u{1B}[31mred"), .text("line\nbreak"), .text(String(repeating: "长", count: 10_001)),
        .text("a" + String(repeating: "\u{0301}", count: 3_000)),
    ]

    /// A value of the field's type (the type of an unknown field is anyone's guess); text on one line when `oneLine`.
    static func fitting(_ type: FieldType?, ids: [RecordID], oneLine: Bool = false, rng: inout SplitMix) -> FieldValue {
        switch type {
        case .text?, nil: .text((oneLine ? ["华为", "notes"] : ["华为", "notes", "line\nbreak"]).randomElement(using: &rng)!)
        case .choice(let names)?: .text(names.randomElement(using: &rng)!)
        case .share?: .integer(Int64.random(in: 0...10_000, using: &rng))
        case .money?: .integer(Int64.random(in: 0...1_000_000_000, using: &rng))
        case .period?: .text(["2026-Q3", "2026-Q4", "2027-Q1"].randomElement(using: &rng)!)
        case .day?: .text("2026-11-23")
        case .timestamp?: .integer(1_795_427_400_000)
        case .reference?: .text(ids.randomElement(using: &rng)!.rawValue)
        }
    }

    @Test("random pushes with extreme values never trap the server, and what it serves round-trips", arguments: Storage.all)
    func pushes(_ storage: Storage) async throws {
        let seed = ProcessInfo.processInfo.environment["KAM_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("push fuzzing: KAM_FUZZ_SEED=\(seed) replays this run")
        let cases = ProcessInfo.processInfo.environment["KAM_FUZZ_CASES"].flatMap(Int.init) ?? 400
        var rng = SplitMix(seed: seed)
        let fixture = try await StoreFixture(try await storage.make())
        let li = try await fixture.laptop("li", replica: "li-laptop")
        let zhao = try await fixture.laptop("zhao", replica: "zhao-laptop")
        let ids = (0..<4).map { RecordID(rawValue: "acct-\($0)")! } + [RecordID(rawValue: "acct-0:2026-Q3")!]
        var outcomes = (merged: 0, refused: 0, errors: 0)
        // Tame pushes write accounts' fields with fitting values and fresh
        // dots, so every run also gets past the checks and merges; the rest
        // are wild.
        var tameCounter: [ReplicaID: UInt64] = [:]
        for _ in 0..<cases {
            let laptop = Bool.random(using: &rng) ? li : zhao
            let tame = rng.chance(0.25)
            var records: [RecordState] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let kind = tame ? .account : RecordKind.allCases.randomElement(using: &rng)!
                var fields: [String: Register<FieldValue>] = [:]
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let name = (kind.schema.fieldNames + (tame ? [] : ["bogus"])).randomElement(using: &rng)!
                    let replica = tame || rng.chance(0.8) ? laptop.clock.replica : ReplicaID(rawValue: "stranger")!
                    let counter = tame ? 1_000_000 + tameCounter[replica, default: 0] : Self.counters.randomElement(using: &rng)!
                    if tame { tameCounter[replica, default: 0] += 1 }
                    let dot = Dot(replica: replica, counter: counter)
                    var context = VersionVector(dot)
                    if !tame, rng.chance(0.2) { context.join(VersionVector([ReplicaID(rawValue: "li-laptop")!: Self.counters.randomElement(using: &rng)!])) }
                    // Half the wild values fit their field too.
                    let value = tame || rng.chance(0.5)
                        ? Self.fitting(kind.schema.spec(name)?.type, ids: Array(ids.prefix(4)), oneLine: tame, rng: &rng) : Self.values.randomElement(using: &rng)!
                    let time = tame ? 1_795_427_400_000 : Self.times.randomElement(using: &rng)!
                    let sibling = Sibling(dot: dot, value: value, at: Timestamp(rawValue: time))
                    fields[name] = (try? Register(siblings: !tame && rng.chance(0.1) ? [] : [sibling], context: context)) ?? Register()
                }
                records.append(RecordState(kind: kind, id: (tame ? Array(ids.prefix(4)) : ids).randomElement(using: &rng)!, fields: fields))
            }
            do {
                let ack = try await fixture.store.push(PushRequest(replica: laptop.clock.replica, records: records), by: laptop.user)
                outcomes.merged += 1
                outcomes.refused += ack.refused.count
            } catch is SyncError {
                outcomes.errors += 1
            }
        }
        #expect(outcomes.merged > 0 && outcomes.errors > 0, "KAM_FUZZ_SEED=\(seed): \(outcomes)")
        // Whatever was taken is served, and survives both wire forms.
        var cursor: UInt64 = 0
        var more = true
        while more {
            let page = try await fixture.store.pull(since: cursor, limit: 50, for: fixture.users["zhao"]!)
            #expect(try PullPage(binary: page.binaryEncoded()) == page, "KAM_FUZZ_SEED=\(seed)")
            #expect(try WireFormat.decoder().decode(PullPage.self, from: WireFormat.encoder().encode(page)) == page, "KAM_FUZZ_SEED=\(seed)")
            cursor = page.cursor
            more = page.hasMore
        }
    }
}
