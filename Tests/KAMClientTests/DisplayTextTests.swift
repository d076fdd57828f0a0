import Foundation
import KAMClient
import KAMProtocol
import Testing

/// Text from elsewhere cannot write to the user's terminal.
@Suite("Display text")
struct DisplayTextTests {
    static let hostile = "ACME\u{1B}[31m red \u{9B}2J\u{07}\u{7F}"

    @Test("control characters are shown visibly: C0 in caret notation, C1 by code point")
    func sanitize() {
        #expect(DisplayText.sanitize(Self.hostile) == "ACME^[[31m red <U+009B>2J^G^?")
        #expect(DisplayText.sanitize("a\nb\tc") == "a^Jb c")
        #expect(DisplayText.sanitize("a\nb\tc", multiline: true) == "a\nb\tc")
        #expect(DisplayText.sanitize("a\r\nb", multiline: true) == "a^M\nb")
        #expect(DisplayText.sanitize("华为 ACME") == "华为 ACME")
        #expect(!DisplayText.sanitize(Self.hostile).unicodeScalars.contains { DisplayText.isControl($0) })
    }

    @Test("table cells are sanitized, and colour is added after the padding is measured")
    func tables() {
        let table = TextTable(headers: ["NAME", "FLAG"], rows: [[Self.hostile, "x"], ["华为", "needs review"]])
        let plain = table.render()
        #expect(!plain.unicodeScalars.contains { DisplayText.isControl($0) && $0 != "\n" })
        let styled = table.render(style: { row, column, text in column == 1 && row == 1 ? "\u{1B}[33m\(text)\u{1B}[0m" : text })
        #expect(styled.contains("\u{1B}[33mneeds review\u{1B}[0m"))
        #expect(styled.split(separator: "\n").count == 3)
    }

    @Test("JSON output escapes DEL and C1 characters the encoder leaves raw, and decodes to the same value")
    func json() throws {
        let encoded = String(decoding: try JSONEncoder().encode([Self.hostile]), as: UTF8.self)
        #expect(encoded.lowercased().contains("\\u001b"))  // the encoder escapes C0 itself
        #expect(encoded.unicodeScalars.contains("\u{9B}"))  // but not C1
        let escaped = DisplayText.escapingControlsInJSON(encoded)
        #expect(!escaped.unicodeScalars.contains { DisplayText.isControl($0) })
        #expect(try JSONDecoder().decode([String].self, from: Data(escaped.utf8)) == [Self.hostile])
    }

    @Test("a table's columns line up by display width; trailing spaces are trimmed")
    func tableLayout() {
        let table = TextTable(headers: ["ID", "NAME", ""], rows: [["a", "华为", "x"], ["bb", "c", ""], ["d"]])
        #expect(table.render() == "ID  NAME\na   华为  x\nbb  c\nd")
        // A control character is made visible before the column is measured; styles wrap what is shown, unmeasured.
        let safe = DisplayText.sanitize("x\u{1B}y")
        #expect(safe != "x\u{1B}y")
        let pad = { (count: Int) in String(repeating: " ", count: count) }
        let styled = TextTable(headers: ["A", "B"], rows: [["x\u{1B}y", "名"], ["z", "w"]])
            .render(headerStyle: { "<\($0)>" }, style: { _, column, text in column == 1 ? "[\(text)]" : text })
        let width = TextTable.width(safe)
        #expect(styled == "<A\(pad(width - 1))  B>\n\(safe)  [名]\nz\(pad(width - 1))  [w]")
        #expect(String(decoding: TextTable(headers: ["A"], rows: [["b"]]).renderBytes(), as: UTF8.self) == "A\nb")
    }

    @Test("a cell is sanitized exactly when it holds a control character, read by bytes or by scalars")
    func controlsByBytes() {
        for value in UInt32(0)...0x800 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "a" + String(Character(scalar)) + "b"
            #expect((DisplayText.sanitize(text) != text) == DisplayText.isControl(scalar), "U+\(String(value, radix: 16))")
        }
    }

    @Test("the account list's JSON is the encoder's text, byte for byte, with DEL and C1 escaped")
    func accountListJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var random = SeededRandom(seed: 11)
        let pieces = ["ACME", "华为", " ", "\"", "\\", "/", "\n", "\t", "\r", "\u{08}", "\u{0C}", "\u{00}", "\u{1B}", "\u{7F}",
                      "\u{80}", "\u{9B}", "\u{9F}", "\u{A0}", "¢", "é", "😀", "e\u{301}", "\u{2028}"]
        func text() -> String { (0..<Int(random.next() % 4)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined() }
        func maybe() -> String? { random.next() % 3 == 0 ? nil : text() }
        for count in [0, 1, 2, 40] {
            let accounts = (0..<count).map { index in
                AccountSummary(
                    id: RecordID(rawValue: "account-\(index)")!, name: text(), industry: maybe(), region: maybe(), owner: maybe(),
                    tier: random.next() % 2 == 0 ? nil : Tier.allCases[Int(random.next() % UInt64(Tier.allCases.count))],
                    stage: Stage.allCases[Int(random.next() % UInt64(Stage.allCases.count))],
                    share: random.next() % 3 == 0 ? nil : Share(basisPoints: Int(random.next() % 10_001)),
                    needsResolution: random.next() % 2 == 0, flags: (0..<Int(random.next() % 3)).map { _ in text() })
            }
            let expected = DisplayText.escapingControlsInJSON(String(decoding: try encoder.encode(accounts), as: UTF8.self))
            #expect(String(decoding: AccountListJSON.bytes(accounts), as: UTF8.self) == expected)
        }
        // Every share the list can show, as the encoder writes a Double.
        for basisPoints in 0...10_000 {
            let account = AccountSummary(id: RecordID(rawValue: "a")!, name: "n", share: Share(basisPoints: basisPoints))
            let expected = String(decoding: try encoder.encode([account]), as: UTF8.self)
            #expect(String(decoding: AccountListJSON.bytes([account]), as: UTF8.self) == expected)
        }
    }
}

/// xorshift64*: the same cases on every run.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}
