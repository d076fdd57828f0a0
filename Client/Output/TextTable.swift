/// A plain-text table whose columns line up on a terminal, Chinese (wide)
/// characters included.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// The rows alone, columns lined up, for label–value lists. `style` as in ``render(headerStyle:style:)``.
    public func renderRows(style: (_ row: Int, _ column: Int, _ text: String) -> String = { $2 }) -> String {
        render(style: style).split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
    }

    /// The table as lines: a header, then one line per row, columns two spaces apart.
    ///
    /// Every cell is shown through ``DisplayText/sanitize(_:multiline:)``, so a
    /// value from elsewhere cannot write to the terminal. Colour is added after
    /// that: `headerStyle` wraps the header line (e.g. bold), and `style` is
    /// given each sanitized cell by row and column (0-based) and may wrap it
    /// (e.g. yellow); the padding is measured without the styling.
    public func render(
        headerStyle: (String) -> String = { $0 },
        style: (_ row: Int, _ column: Int, _ text: String) -> String = { $2 }
    ) -> String {
        let columns = headers.count
        let safeHeaders = headers.map { DisplayText.sanitize($0) }
        let safeRows = rows.map { $0.prefix(columns).map { DisplayText.sanitize($0) } }
        var widths = safeHeaders.map(Self.width)
        for row in safeRows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.width(cell)) }
        }
        func line(_ cells: [String], row: Int?) -> String {
            cells.enumerated().map { index, cell in
                let shown = row.map { style($0, index, cell) } ?? cell
                return index == columns - 1 ? shown : shown + String(repeating: " ", count: widths[index] - Self.width(cell))
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([headerStyle(line(safeHeaders, row: nil))] + safeRows.enumerated().map { line($1, row: $0) }).joined(separator: "\n")
    }

    /// How many terminal columns `text` takes: 2 for East Asian wide and
    /// full-width characters, 0 for combining marks and format characters.
    public static func width(_ text: String) -> Int {
        // Printable ASCII is one column a byte; Unicode properties only for the rest.
        var text = text
        if let ascii = text.withUTF8({ bytes in bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F } ? bytes.count : nil }) { return ascii }
        return text.unicodeScalars.reduce(0) { $0 + width($1) }
    }

    static func width(_ scalar: Unicode.Scalar) -> Int {
        if scalar.value >= 0x20 && scalar.value < 0x7F { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        let value = scalar.value
        for range in wideRanges where range.contains(value) { return 2 }
        return 1
    }

    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
        0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}

extension String {
    func trimmingTrailingSpaces() -> String {
        // By bytes: a trailing 0x20 byte is a space.
        let utf8 = self.utf8
        var end = utf8.endIndex
        while end > utf8.startIndex, utf8[utf8.index(before: end)] == 0x20 { end = utf8.index(before: end) }
        return end == utf8.endIndex ? self : String(self[..<end])
    }
}
