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
    public func renderRows(style: ((_ row: Int, _ column: Int, _ text: String) -> String)? = nil) -> String {
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
        style: ((_ row: Int, _ column: Int, _ text: String) -> String)? = nil
    ) -> String {
        String(decoding: renderBytes(headerStyle: headerStyle, style: style), as: UTF8.self)
    }

    /// ``render(headerStyle:style:)`` as UTF-8 bytes, without a final newline.
    public func renderBytes(
        headerStyle: (String) -> String = { $0 },
        style: ((_ row: Int, _ column: Int, _ text: String) -> String)? = nil
    ) -> [UInt8] {
        let columns = headers.count
        // A territory's list is tens of thousands of rows: every cell is made
        // safe and measured once, its bytes kept in one buffer, and a cell of
        // printable ASCII (most of them) is copied as it is, a column a byte.
        var cells = Cells(capacity: rows.count * columns)
        for header in headers { cells.append(header) }
        var widths = (0..<columns).map { cells.widths[$0] }
        var rowEnds: [Int] = []
        rowEnds.reserveCapacity(rows.count)
        for row in rows {
            for (index, cell) in row.prefix(columns).enumerated() {
                cells.append(cell)
                widths[index] = max(widths[index], cells.widths[cells.widths.count - 1])
            }
            rowEnds.append(cells.widths.count)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(cells.bytes.count + (rows.count + 1) * (widths.reduce(0, +) / 2 + 2 * columns + 1))
        cells.bytes.withUnsafeBufferPointer { cellBytes in
            func write(_ range: Range<Int>, row: Int?) {
                let lineStart = bytes.count
                for position in range {
                    let index = position - range.lowerBound
                    if index > 0 { bytes.append(0x20); bytes.append(0x20) }
                    let cell = UnsafeBufferPointer(rebasing: cellBytes[cells.starts[position]..<cells.starts[position + 1]])
                    if let row, let style {
                        bytes.append(contentsOf: style(row, index, String(decoding: cell, as: UTF8.self)).utf8)
                    } else {
                        bytes.append(contentsOf: cell)
                    }
                    if index < columns - 1 {
                        for _ in 0..<(widths[index] - cells.widths[position]) { bytes.append(0x20) }
                    }
                }
                while bytes.count > lineStart, bytes[bytes.count - 1] == 0x20 { bytes.removeLast() }
            }
            write(0..<columns, row: nil)
            if !bytes.isEmpty {
                let header = Array(headerStyle(String(decoding: bytes, as: UTF8.self)).utf8)
                bytes.replaceSubrange(0..<bytes.count, with: header)
            }
            var start = columns
            for (row, end) in rowEnds.enumerated() {
                bytes.append(0x0A)
                write(start..<end, row: row)
                start = end
            }
        }
        return bytes
    }

    /// The table's cells, made safe, as one buffer of UTF-8 bytes with where
    /// each starts and how many columns it takes.
    private struct Cells {
        var bytes: [UInt8] = []
        var starts: [Int] = [0]
        var widths: [Int] = []

        init(capacity: Int) {
            bytes.reserveCapacity(capacity * 8)
            starts.reserveCapacity(capacity + 1)
            widths.reserveCapacity(capacity)
        }

        mutating func append(_ cell: String) {
            var cell = cell
            let plain = cell.withUTF8 { utf8 in
                for byte in utf8 where byte < 0x20 || byte >= 0x7F { return false }
                bytes.append(contentsOf: utf8)
                return true
            }
            if plain {
                widths.append(bytes.count - starts[starts.count - 1])
            } else {
                let safe = DisplayText.sanitize(cell)
                bytes.append(contentsOf: safe.utf8)
                widths.append(TextTable.width(safe))
            }
            starts.append(bytes.count)
        }
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
