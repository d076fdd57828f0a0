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
        // Every cell is sanitized and measured once: a territory's list is
        // tens of thousands of rows.
        let safeHeaders = headers.map { DisplayText.sanitize($0) }
        let headerWidths = safeHeaders.map(Self.width)
        var cells: [String] = []
        var cellWidths: [Int] = []
        var rowEnds: [Int] = []
        cells.reserveCapacity(rows.count * columns)
        cellWidths.reserveCapacity(rows.count * columns)
        rowEnds.reserveCapacity(rows.count)
        var widths = headerWidths
        for row in rows {
            for (index, cell) in row.prefix(columns).enumerated() {
                let safe = DisplayText.sanitize(cell)
                let width = Self.width(safe)
                widths[index] = max(widths[index], width)
                cells.append(safe)
                cellWidths.append(width)
            }
            rowEnds.append(cells.count)
        }
        // The lines are written as UTF-8 bytes into one buffer.
        var bytes: [UInt8] = []
        bytes.reserveCapacity((rows.count + 1) * (widths.reduce(0, +) + 2 * columns + 1))
        func write(_ range: Range<Int>, of cells: [String], widths cellWidths: [Int], row: Int?) {
            let lineStart = bytes.count
            for position in range {
                let index = position - range.lowerBound
                if index > 0 { bytes.append(0x20); bytes.append(0x20) }
                bytes.append(contentsOf: (row.map { style($0, index, cells[position]) } ?? cells[position]).utf8)
                if index < columns - 1 { bytes.append(contentsOf: repeatElement(0x20, count: widths[index] - cellWidths[position])) }
            }
            while bytes.count > lineStart, bytes[bytes.count - 1] == 0x20 { bytes.removeLast() }
        }
        write(0..<safeHeaders.count, of: safeHeaders, widths: headerWidths, row: nil)
        let header = headerStyle(String(decoding: bytes, as: UTF8.self))
        bytes.removeAll(keepingCapacity: true)
        var start = 0
        for (row, end) in rowEnds.enumerated() {
            bytes.append(0x0A)
            write(start..<end, of: cells, widths: cellWidths, row: row)
            start = end
        }
        return header + String(decoding: bytes, as: UTF8.self)
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
