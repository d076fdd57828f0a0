import Foundation
import KAMProtocol
import Testing

/// An account's owner history as a laptop keeps it in the account's row.
@Suite("Owner history coding")
struct OwnerHistoryCodingTests {
    static let account = RecordID.random()
    static let at = Timestamp(rawValue: 1_795_427_400_000)

    static let histories: [[OwnerChange]] = [
        [],
        [OwnerChange(account: account, at: at, by: "li", from: [], to: ["li"])],
        [
            OwnerChange(account: account, at: at, by: "王", from: [], to: ["王"]),
            OwnerChange(account: account, at: Timestamp(rawValue: at.rawValue + 86_400_000), by: "zhao", from: ["王"], to: ["wang", "li"]),
            OwnerChange(account: account, at: Timestamp(rawValue: at.rawValue - 5), by: "zhao", from: ["wang", "li"], to: []),
            // Looks like a creation but is not one: made by someone else, or from someone.
            OwnerChange(account: account, at: at, by: "zhao", from: [], to: ["li"]),
            OwnerChange(account: account, at: at, by: "li", from: ["li"], to: ["li"]),
            OwnerChange(account: account, at: at, by: "li", from: [], to: []),
        ],
    ]

    @Test("every history round-trips, in order", arguments: histories)
    func roundTrip(history: [OwnerChange]) throws {
        let data = OwnerChange.encodeHistory(history)
        #expect(try OwnerChange.decodeHistory(data, account: Self.account) == history)
    }

    @Test("a creation, the one change most accounts have, takes its time, its author and two bytes")
    func creationIsSmall() {
        let creation = OwnerChange(account: Self.account, at: Self.at, by: "li", from: [], to: ["li"])
        // 0x00, the time (6 bytes), "li" (1 + 2), the creation mark.
        #expect(OwnerChange.encodeHistory([creation]).count == 1 + 6 + 3 + 1)
    }

    @Test("the form before, which replica files of earlier releases hold, still reads")
    func earlierForm() throws {
        let history = Self.histories[2]
        // c (at by k from × k  l to × l) × c, written out by hand as that release wrote it.
        var bytes: [UInt8] = [UInt8(history.count)]
        func varint(_ value: UInt64) {
            var value = value
            while value >= 0x80 { bytes.append(UInt8(value & 0x7F) | 0x80); value >>= 7 }
            bytes.append(UInt8(value))
        }
        func text(_ text: String) { varint(UInt64(text.utf8.count)); bytes += Array(text.utf8) }
        for change in history {
            let at = change.at.rawValue
            varint(UInt64(bitPattern: (at << 1) ^ (at >> 63)))
            text(change.by)
            varint(UInt64(change.from.count)); change.from.forEach(text)
            varint(UInt64(change.to.count)); change.to.forEach(text)
        }
        #expect(try OwnerChange.decodeHistory(Data(bytes), account: Self.account) == history)
    }

    @Test("bytes cut short inside a change are an error")
    func damaged() {
        let data = OwnerChange.encodeHistory(Self.histories[2])
        #expect(throws: StateEncodingError.self) { try OwnerChange.decodeHistory(data.dropLast(), account: Self.account) }
    }
}
