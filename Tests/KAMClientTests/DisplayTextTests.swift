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
}
