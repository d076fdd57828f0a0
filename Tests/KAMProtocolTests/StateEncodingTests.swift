import Foundation
import KAMProtocol
import PropertyBased
import Testing

/// The binary form both stores keep registers in.
@Suite("State encoding")
struct StateEncodingTests {
    static let cases = 1_000

    @Test("every register of a random history reads back equal, and old JSON rows still read")
    func roundTrip() async throws {
        var checked = 0
        await propertyCheck(count: Self.cases, input: Histories.recordTriples, perform: { triple throws in
            checked += 1
            for state in [triple.0, triple.1, triple.2] {
                for (_, register) in state.fields {
                    #expect(try StateEncoding.decodeField(StateEncoding.encode(register)) == register)
                    #expect(try StateEncoding.readField(WireFormat.encoder().encode(register)) == register)
                }
                #expect(try StateEncoding.decodeExistence(StateEncoding.encode(state.existence)) == state.existence)
                #expect(try StateEncoding.readExistence(WireFormat.encoder().encode(state.existence)) == state.existence)
            }
        })
        #expect(checked == Self.cases)
    }

    @Test("text, negative numbers, null, the extreme times and counters, and concurrent siblings survive")
    func values() throws {
        let a = ReplicaID(rawValue: "laptop-a")!
        let b = ReplicaID(rawValue: "f0e1d2c3-b4a5-4697-8899-aabbccddeeff")!
        for value: FieldValue in [.text("华东机械 Ünïcode"), .text(""), .integer(-9_223_372_036_854_775_808), .integer(Int64.max), .null] {
            var left = Register<FieldValue>()
            left.write(value, dot: Dot(replica: a, counter: 300), at: Timestamp(rawValue: Timestamp.validRange.lowerBound))
            var right = Register<FieldValue>()
            right.write(.text("other"), dot: Dot(replica: b, counter: Dot.maximumCounter), at: Timestamp(rawValue: Timestamp.validRange.upperBound))
            let both = left.joined(with: right)
            #expect(both.siblings.count == 2)
            #expect(try StateEncoding.decodeField(StateEncoding.encode(both)) == both)
        }
        var existence = Register<Existence>()
        existence.write(.deleted(seen: VersionVector([a: 7, b: 2])), dot: Dot(replica: a, counter: 8), at: .now())
        #expect(try StateEncoding.decodeExistence(StateEncoding.encode(existence)) == existence)
    }

    @Test("counters above the maximum are refused when read; times outside the years 1970 to 9999 when checked")
    func outOfRange() throws {
        let a = ReplicaID(rawValue: "laptop-a")!
        for counter in [Dot.maximumCounter + 1, UInt64.max] {
            var register = Register<FieldValue>()
            register.write(.text("x"), dot: Dot(replica: a, counter: counter), at: Timestamp(rawValue: 0))
            #expect(throws: StateEncodingError.self) { try StateEncoding.decodeField(StateEncoding.encode(register)) }
            let json = try WireFormat.encoder().encode(register)
            #expect(throws: DecodingError.self) { try WireFormat.decoder().decode(Register<FieldValue>.self, from: json) }
        }
        // A time is read as it is (a state from before the bound still opens),
        // and refused by the schema check every pushed and pulled state passes.
        for time in [Int64.min, -1, Timestamp.validRange.upperBound + 1, Int64.max] {
            var state = RecordState(kind: .account, id: RecordID(rawValue: "acct")!)
            state.write("name", .text("x"), dot: Dot(replica: a, counter: 1), at: Timestamp(rawValue: time))
            #expect(try StateEncoding.decodeField(StateEncoding.encode(state["name"])) == state["name"])
            #expect(throws: DomainError.timeOutOfRange(field: "name")) { try Account.schema.check(state) }
        }
    }

    @Test("the binary form is smaller than JSON")
    func smaller() throws {
        var register = Register<FieldValue>()
        register.write(.text("Huadong Machinery 12"), dot: Dot(replica: .random(), counter: 12_345), at: .now())
        #expect(StateEncoding.encode(register).count * 2 < (try WireFormat.encoder().encode(register)).count)
    }

    @Test("the example in docs/PROTOCOL.md takes the bytes it says")
    func documentedSizes() throws {
        for (replica, binary, json) in [("li", 23, 73), ("123456789012345678901234567890123456", 57, 141)] {
            var register = Register<FieldValue>()
            register.write(.text("ACME"), dot: Dot(replica: ReplicaID(rawValue: replica)!, counter: 3), at: Timestamp(rawValue: 1_795_427_400_000))
            #expect(StateEncoding.encode(register).count == binary)
            #expect(try WireFormat.encoder().encode(register).count == json)
        }
    }

    @Test("damaged bytes are an error, never a wrong state")
    func damaged() throws {
        var register = Register<FieldValue>()
        register.write(.text("notes"), dot: Dot(replica: .random(), counter: 3), at: .now())
        register.join({
            var other = Register<FieldValue>()
            other.write(.integer(4), dot: Dot(replica: .random(), counter: 9), at: .now())
            return other
        }())
        let bytes = StateEncoding.encode(register)
        for length in 0..<bytes.count {
            #expect(throws: StateEncodingError.self) { try StateEncoding.decodeField(bytes.prefix(length)) }
        }
        #expect(throws: StateEncodingError.trailingBytes) { try StateEncoding.decodeField(bytes + [0]) }
        #expect(throws: StateEncodingError.notBinary) { try StateEncoding.decodeField(Data("{}".utf8)) }
        // A sibling whose dot the version vector does not cover.
        var uncovered = [UInt8](bytes)
        uncovered[uncovered.count - 1] = 1
        #expect(throws: StateEncodingError.self) { try StateEncoding.decodeField(Data(uncovered)) }
    }
}

/// The binary pull page kam asks the server for.
@Suite("Binary pull page")
struct BinaryPullPageTests {
    @Test("a page of random histories reads back equal to what was encoded")
    func roundTrip() async {
        var checked = 0
        await propertyCheck(count: 300, input: Histories.recordTriples, perform: { triple throws in
            let (a, b, c) = triple
            checked += 1
            var other = c.delta(fields: ["name"], existence: true)
            other = RecordState(kind: .contact, id: RecordID(rawValue: "contact-1")!, fields: other.fields, existence: other.existence)
            let page = PullPage(
                records: [a, other, b], authors: [Histories.replica(0): "li.na", Histories.replica(1): "王芳"],
                cursor: 42, hasMore: true)
            #expect(try PullPage(binary: page.binaryEncoded()) == page)
        })
        #expect(checked == 300)
    }

    @Test("an empty last page, and damaged pages")
    func edges() throws {
        let empty = PullPage(records: [], authors: [:], cursor: 7, hasMore: false)
        #expect(try PullPage(binary: empty.binaryEncoded()) == empty)
        var state = RecordState(kind: .account, id: RecordID(rawValue: "acct-1")!)
        var clock = DotClock(replica: .random())
        state.write("name", .text("Acme"), clock: &clock, at: .now())
        let bytes = PullPage(records: [state], authors: [clock.replica: "li.na"], cursor: 1, hasMore: false).binaryEncoded()
        for length in 0..<bytes.count {
            #expect(throws: StateEncodingError.self) { try PullPage(binary: bytes.prefix(length)) }
        }
        #expect(throws: StateEncodingError.notBinary) { try PullPage(binary: Data("{\"records\":[]}".utf8)) }
    }
}
