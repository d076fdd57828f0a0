import Foundation
import KAMProtocol
import Testing

@Suite("Wire messages")
struct WireTests {
    static let at = Timestamp(rawValue: 1_795_427_400_000)

    @Test("a push round-trips exactly")
    func pushRoundTrip() throws {
        var clock = DotClock(replica: ReplicaID(rawValue: "li")!)
        var state = Account(name: "宝钢", stage: .stable, share: try Share(percent: 60)).newState(clock: &clock, at: Self.at)
        state.delete(clock: &clock, at: Self.at)
        let push = PushRequest(replica: clock.replica, records: [state, state.delta(fields: ["name"], existence: false)])
        let data = try WireFormat.encoder().encode(push)
        #expect(try WireFormat.decoder().decode(PushRequest.self, from: data) == push)
        #expect(push.fieldStateCount == 3 + 1 + 1)  // name, stage, share, deletion; then name again
    }

    @Test("the field-state encoding is small and stable")
    func encodingShape() throws {
        var register = Register<FieldValue>()
        register.write(.text("ACME"), dot: Dot(replica: ReplicaID(rawValue: "li")!, counter: 3), at: Self.at)
        let json = String(decoding: try WireFormat.encoder().encode(register), as: UTF8.self)
        #expect(json == #"{"s":[{"d":{"c":3,"r":"li"},"t":1795427400000,"v":"ACME"}],"vv":{"li":3}}"#)
    }

    @Test("pull pages, acknowledgements, registrations and errors round-trip")
    func otherMessages() throws {
        let li = ReplicaID(rawValue: "li")!
        let page = PullPage(records: [], authors: [li: "li.na"], cursor: 42, hasMore: true)
        let ack = PushAcknowledgement(
            accepted: 3, refused: [PushRefusal(kind: .account, id: RecordID(rawValue: "a1")!, field: "owner", code: "not-owner", message: "…")],
            sequence: 99)
        let error = ErrorBody(code: "bad-request", message: "missing replica")
        #expect(try roundTrip(page) == page)
        #expect(try roundTrip(ack) == ack)
        #expect(try roundTrip(error) == error)
        #expect(try roundTrip(ReplicaRegistered(replica: li, user: "li.na")).user == "li.na")
        let pageJSON = String(decoding: try WireFormat.encoder().encode(page), as: UTF8.self)
        #expect(pageJSON.contains(#""authors":{"li":"li.na"}"#))
        #expect(pageJSON.contains(#""protocolVersion":\#(KAMProtocolVersion.current)"#))
    }

    @Test("a binary push round-trips, says its record count up front, and refuses what is not one")
    func binaryPush() throws {
        var clock = DotClock(replica: ReplicaID(rawValue: "li")!)
        var state = RecordState(kind: .account, id: RecordID(rawValue: "a1")!)
        state.write("name", .text("华为"), clock: &clock, at: Timestamp(rawValue: 1_795_427_400_000))
        state.delete(clock: &clock, at: Timestamp(rawValue: 1_795_427_400_001))
        let push = PushRequest(replica: clock.replica, records: [state, RecordState(kind: .contact, id: RecordID(rawValue: "c1")!)])
        let binary = push.binaryEncoded()
        #expect(try PushRequest(binary: binary) == push)
        #expect(try PushRequest.binaryRecordCount(binary) == 2)
        #expect(binary.count < (try WireFormat.encoder().encode(push)).count)
        #expect(throws: StateEncodingError.self) { try PushRequest(binary: Data("{}".utf8)) }
        #expect(throws: StateEncodingError.self) { try PushRequest(binary: binary.dropLast()) }
        #expect(throws: StateEncodingError.self) { try PushRequest(binary: binary + Data([0])) }
    }

    @Test("removals and owner changes travel in JSON and binary pages; a protocol 1 page has neither and reads as before")
    func territoryChanges() throws {
        let account = RecordID(rawValue: "a1")!
        let page = PullPage(
            records: [], authors: [:], cursor: 7, hasMore: false,
            removals: [
                Removal(kind: .contact, id: RecordID(rawValue: "c1")!, account: account, reason: .reassigned, owners: ["wang"]),
                Removal(kind: .account, id: account, account: account, reason: .accessEnded),
            ],
            ownerChanges: [OwnerChange(account: account, at: Timestamp(rawValue: 1_795_427_400_000), by: "zhao", from: ["li"], to: ["wang", "王"])])
        #expect(try roundTrip(page) == page)
        #expect(try PullPage(binary: page.binaryEncoded()) == page)
        // A protocol 1 page (an older server) carries neither, in either form.
        let old = PullPage(records: [], authors: [:], cursor: 7, hasMore: false, protocolVersion: 1)
        #expect(try PullPage(binary: old.binaryEncoded()) == old)
        let json = #"{"authors":{},"cursor":7,"hasMore":false,"protocolVersion":1,"records":[]}"#
        #expect(try WireFormat.decoder().decode(PullPage.self, from: Data(json.utf8)) == old)
    }

    @Test("the messages a laptop sends say protocol 1 unless it asks for more: servers of every release read them")
    func requestsSpeakTheFirstProtocol() {
        let replica = ReplicaID(rawValue: "laptop-a")!
        #expect(ReplicaRegistration(replica: replica).protocolVersion == 1)
        #expect(PushRequest(replica: replica, records: []).protocolVersion == 1)
        #expect(FetchRequest(ids: [], replica: replica).protocolVersion == 1)
    }

    @Test("a protocol 2 page and a protocol 3 page of the same records read the same")
    func protocol3Pages() throws {
        var state = RecordState(kind: .account, id: RecordID(rawValue: "acct")!)
        state.write("name", .text("ACME"), dot: Dot(replica: ReplicaID(rawValue: "laptop-a")!, counter: 3), at: Timestamp(rawValue: 5))
        state.write("region", .text("华东"), dot: Dot(replica: ReplicaID(rawValue: "laptop-b")!, counter: 9), at: Timestamp(rawValue: 6))
        let two = PullPage(records: [state], authors: [:], cursor: 7, hasMore: true, protocolVersion: 2)
        let three = PullPage(records: [state], authors: [:], cursor: 7, hasMore: true, protocolVersion: 3)
        #expect(two.binaryEncoded()[1] == 2 && three.binaryEncoded()[1] == 3)
        #expect(try PullPage(binary: two.binaryEncoded()).records == [state])
        #expect(try PullPage(binary: three.binaryEncoded()) == three)
        let stored = try RecordPage(binary: three.binaryEncoded())
        #expect(stored.replicas.count == 2 && stored.records.count == 1)
        #expect(throws: StateEncodingError.self) { try RecordPage(binary: two.binaryEncoded()) }
    }

    func roundTrip<T: Codable>(_ value: T) throws -> T {
        try WireFormat.decoder().decode(T.self, from: WireFormat.encoder().encode(value))
    }

    @Test("states that no replica could have made are refused when read", arguments: [
        // a value whose dot the version vector does not cover
        #"{"s":[{"d":{"c":5,"r":"li"},"t":0,"v":"x"}],"vv":{"li":3}}"#,
        // two current values from one replica
        #"{"s":[{"d":{"c":1,"r":"li"},"t":0,"v":"x"},{"d":{"c":2,"r":"li"},"t":0,"v":"y"}],"vv":{"li":2}}"#,
        // a counter of zero
        #"{"s":[{"d":{"c":0,"r":"li"},"t":0,"v":"x"}],"vv":{"li":3}}"#,
        // a replica id with a space
        #"{"s":[],"vv":{"l i":3}}"#,
        // a value that is neither text, a whole number nor null
        #"{"s":[{"d":{"c":1,"r":"li"},"t":0,"v":1.5}],"vv":{"li":1}}"#,
        #"{"s":[{"d":{"c":1,"r":"li"},"t":0,"v":[1]}],"vv":{"li":1}}"#,
        // a negative counter in a version vector
        #"{"s":[],"vv":{"li":-1}}"#,
    ])
    func invalidRegisters(json: String) {
        #expect(throws: DecodingError.self) {
            try WireFormat.decoder().decode(Register<FieldValue>.self, from: Data(json.utf8))
        }
    }

    @Test("unknown record kinds and bad existence values are refused")
    func invalidRecords() {
        let badKind = #"{"kind":"lead","id":"a1"}"#
        let badExistence = #"{"kind":"account","id":"a1","existence":{"s":[{"d":{"c":1,"r":"li"},"t":0,"v":"gone"}],"vv":{"li":1}}}"#
        for json in [badKind, badExistence] {
            #expect(throws: DecodingError.self) { try WireFormat.decoder().decode(RecordState.self, from: Data(json.utf8)) }
        }
    }

    @Test("version vectors compare four ways")
    func versionVectors() {
        let a = ReplicaID(rawValue: "a")!
        let b = ReplicaID(rawValue: "b")!
        let x = VersionVector([a: 2, b: 1])
        #expect(x.compare(to: VersionVector([a: 2, b: 1])) == .equal)
        #expect(x.compare(to: VersionVector([a: 3, b: 1])) == .before)
        #expect(x.compare(to: VersionVector([a: 1])) == .after)
        #expect(x.compare(to: VersionVector([a: 1, b: 2])) == .concurrent)
        #expect(VersionVector([a: 0]) == VersionVector())
        #expect(x.covers(Dot(replica: a, counter: 2)) && !x.covers(Dot(replica: b, counter: 2)))
        #expect(x.joined(with: VersionVector([b: 5])) == VersionVector([a: 2, b: 5]))
    }
}
