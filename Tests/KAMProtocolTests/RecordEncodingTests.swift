import Foundation
import KAMProtocol
import PropertyBased
import Testing

/// The one-row-per-record form both stores keep.
@Suite("Record encoding")
struct RecordEncodingTests {
    /// A store's replica numbering, in memory: numbers handed out in order of first sight.
    final class Numbering {
        var numbers: [ReplicaID: UInt64] = [:]
        var replicas: [ReplicaID] = []

        func number(_ replica: ReplicaID) -> UInt64 {
            if let number = numbers[replica] { return number }
            replicas.append(replica)
            numbers[replica] = UInt64(replicas.count)
            return UInt64(replicas.count)
        }

        func replica(_ number: UInt64) throws -> ReplicaID {
            guard number >= 1, number <= UInt64(replicas.count) else { throw StateEncodingError.badReplica }
            return replicas[Int(number - 1)]
        }

        func encode(_ state: RecordState) -> Data { RecordEncoding.encode(state, number: number) }

        func decode(_ data: Data, like state: RecordState) throws -> RecordState {
            try RecordEncoding.decode(data, kind: state.kind, id: state.id, replica: replica)
        }
    }

    @Test("every record of a random history, and every part of one, reads back equal")
    func roundTrip() async throws {
        let numbering = Numbering()
        var checked = 0
        await propertyCheck(count: 1_000, input: Histories.recordTriples, perform: { triple throws in
            checked += 1
            for state in [triple.0, triple.1, triple.2] {
                #expect(try numbering.decode(numbering.encode(state), like: state) == state)
                let part = state.delta(fields: ["region"], existence: false)
                #expect(try numbering.decode(numbering.encode(part), like: part) == part)
            }
        })
        #expect(checked == 1_000)
    }

    @Test("the stored form is pinned byte by byte, and a field past this release's schema is refused")
    func storedForm() throws {
        let numbering = Numbering()
        let a = ReplicaID(rawValue: "laptop-a")!
        var state = RecordState(kind: .account, id: RecordID(rawValue: "acct")!)
        state.write("name", .text("ACME"), dot: Dot(replica: a, counter: 3), at: Timestamp(rawValue: 1_000))
        state.write("region", .text("East"), dot: Dot(replica: a, counter: 4), at: Timestamp(rawValue: 1_000))
        let bytes = numbering.encode(state)
        // Format; mask: name (bit 2) and region (bit 4); name: tag 1+2 (text), replica 1, counter +3, time +1000, "ACME";
        // region: tag 5+2 (the same edit, next counter), "East".
        #expect(Array(bytes) == [
            0xB2, 0x14,
            0x03, 0x01, 0x06, 0xD0, 0x0F, 0x04, 0x41, 0x43, 0x4D, 0x45,
            0x07, 0x04, 0x45, 0x61, 0x73, 0x74,
        ])
        // A newer kam's field (a bit past the account's schema) is damaged data here, never another field.
        let mask = 0x14 | (1 << UInt64(Account.schema.fields.count + 2))
        let newer = [0xB2, UInt8(mask & 0x7F) | 0x80, UInt8(mask >> 7)] + Array(bytes.dropFirst(2))
        #expect(mask >> 14 == 0)
        #expect(throws: StateEncodingError.self) { try numbering.decode(Data(newer), like: state) }
    }

    @Test("fields of other kinds' schemas, extreme values, counters and times, and empty registers survive")
    func edges() throws {
        let numbering = Numbering()
        let a = ReplicaID(rawValue: "laptop-a")!
        let b = ReplicaID(rawValue: "f0e1d2c3-b4a5-4697-8899-aabbccddeeff")!
        var left = RecordState(kind: .account, id: RecordID(rawValue: "acct")!)
        left.write("name", .text("华东机械 Ünïcode"), dot: Dot(replica: a, counter: Dot.maximumCounter), at: Timestamp(rawValue: Int64.min))
        left.write("share", .integer(Int64.min), dot: Dot(replica: a, counter: 1), at: Timestamp(rawValue: Int64.max))
        left.write("zzz-not-a-field", .null, dot: Dot(replica: b, counter: 5), at: Timestamp(rawValue: 0))
        left.write("aaa-not-a-field", .integer(Int64.max), dot: Dot(replica: b, counter: 6), at: Timestamp(rawValue: -1))
        var right = RecordState(kind: .account, id: left.id)
        right.write("name", .text(""), dot: Dot(replica: b, counter: 9), at: Timestamp(rawValue: 1))
        var clock = DotClock(replica: b, counter: 10)
        right.delete(clock: &clock, at: .now())
        let both = left.joined(with: right)
        #expect(both["name"].siblings.count == 2)
        #expect(try numbering.decode(numbering.encode(both), like: both) == both)
        let empty = RecordState(kind: .contact, id: left.id, fields: ["name": Register()])
        #expect(try numbering.decode(numbering.encode(empty), like: empty) == empty)
        let nothing = RecordState(kind: .contact, id: left.id)
        #expect(numbering.encode(nothing) == Data([RecordEncoding.formatByte, 0]))
    }

    @Test("values a row keeps beside the record are left out of its bytes and given back when read")
    func outside() throws {
        let numbering = Numbering()
        let a = ReplicaID(rawValue: "laptop-a")!
        let b = ReplicaID(rawValue: "laptop-b")!
        var state = RecordState(kind: .account, id: RecordID(rawValue: "acct")!)
        state.write("name", .text("ACME Machinery"), dot: Dot(replica: a, counter: 1), at: Timestamp(rawValue: 5))
        state.write("share", .integer(2_000), dot: Dot(replica: a, counter: 2), at: Timestamp(rawValue: 5))
        var other = RecordState(kind: .account, id: state.id)
        other.write("region", .text("East"), dot: Dot(replica: b, counter: 1), at: Timestamp(rawValue: 6))
        var mine = state
        mine.write("region", .text("West"), dot: Dot(replica: a, counter: 3), at: Timestamp(rawValue: 6))
        let both = mine.joined(with: other)
        // The region is in conflict: its values stay in the bytes whatever the row holds.
        let outside: [String: FieldValue] = ["name": .text("ACME Machinery"), "share": .integer(2_000), "region": .text("East")]
        let bytes = RecordEncoding.encode(both, outside: outside, number: numbering.number)
        #expect(bytes.count < numbering.encode(both).count - "ACME Machinery".utf8.count)
        #expect(try RecordEncoding.decode(bytes, kind: .account, id: both.id, outside: outside, replica: numbering.replica) == both)
        #expect(throws: StateEncodingError.self) { try RecordEncoding.decode(bytes, kind: .account, id: both.id, replica: numbering.replica) }
        // A value that differs from the row's is kept in the bytes.
        let stale = RecordEncoding.encode(both, outside: ["name": .text("ACME")], number: numbering.number)
        #expect(try RecordEncoding.decode(stale, kind: .account, id: both.id, outside: ["name": .text("ACME")], replica: numbering.replica) == both)
    }

    @Test("a created account costs a few bytes per field beyond its values")
    func compact() throws {
        let numbering = Numbering()
        let replica = ReplicaID(rawValue: "f0e1d2c3-b4a5-4697-8899-aabbccddeeff")!
        var clock = DotClock(replica: replica, counter: 1_000_000)
        var state = RecordState(kind: .account, id: RecordID(rawValue: "acct")!)
        let values: [String: FieldValue] = [
            "name": .text("ACME Machinery"), "region": .text("East"), "industry": .text("machinery"), "owner": .text("rep-1"),
            "tier": .text("key"), "stage": .text("initial"), "share": .integer(20), "notes": .text("met the buyer"),
        ]
        let at = Timestamp(rawValue: 1_800_000_000_000)
        for (name, value) in values.sorted(by: { $0.key < $1.key }) { state.write(name, value, clock: &clock, at: at) }
        let bytes = numbering.encode(state)
        let valueBytes = values.values.reduce(0) { total, value in
            switch value {
            case .text(let text): total + text.utf8.count + 1
            default: total + 1
            }
        }
        // The first field spells its replica, counter and time; each other write of the edit is its tag and a
        // one-byte counter difference (the writes above went in name order, not the schema's).
        // Format byte and a two-byte field mask; the first field's replica, counter (3 bytes) and time (6 bytes).
        let fixed = 1 + 2 + 1 + 3 + 6
        #expect(bytes.count <= valueBytes + 2 * values.count + fixed)
        // Written in schema order, as kam creates a record, each next field is one tag byte beside its value.
        var ordered = RecordState(kind: .account, id: state.id)
        for spec in Account.schema.fields { if let value = values[spec.name] { ordered.write(spec.name, value, clock: &clock, at: at) } }
        let orderedBytes = numbering.encode(ordered)
        #expect(orderedBytes.count <= valueBytes + values.count + fixed)
        #expect(try numbering.decode(orderedBytes, like: ordered) == ordered)
        // A write of another edit (another time) spells its dot again, as a difference.
        var later = state
        later.write("notes", .text("met the buyer again"), clock: &clock, at: Timestamp(rawValue: at.rawValue + 60_000))
        #expect(try numbering.decode(numbering.encode(later), like: later) == later)
        #expect(try numbering.decode(bytes, like: state) == state)
    }

    @Test("mutated records decode or fail, never trap; a decoded one encodes back to itself")
    func mutated() throws {
        let numbering = Numbering()
        var rng = SystemRandomNumberGenerator()
        var samples: [(RecordState, Data)] = []
        for _ in 0..<20 {
            for state in Histories.records(replicas: 3, steps: 30, using: &rng) { samples.append((state, numbering.encode(state))) }
        }
        var decoded = 0
        for _ in 0..<5_000 {
            let (state, original) = samples.randomElement(using: &rng)!
            var bytes = Array(original)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1 where !bytes.isEmpty: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
                }
            }
            if let value = try? numbering.decode(Data(bytes), like: state) {
                decoded += 1
                #expect(try numbering.decode(numbering.encode(value), like: state) == value)
            }
        }
        #expect(decoded > 0)
    }
}
