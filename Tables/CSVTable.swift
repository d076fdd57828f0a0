import CSV
import Foundation

/// A table of text cells in CSV form (RFC 4180: comma, double quotes, CRLF or
/// LF), read and written by the CSV.swift library.
public struct CSVTable: Hashable, Sendable {
    /// One data row and the line of the file it starts on (the header is line 1).
    public struct Row: Hashable, Sendable {
        public var line: Int
        public var cells: [String]
    }

    public var header: [String]
    public var rows: [Row]

    /// The UTF-8 byte order mark spreadsheet programs look for.
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows.enumerated().map { Row(line: $0.offset + 2, cells: $0.element) }
    }

    /// A table from a file's bytes: UTF-8, with or without a byte order mark.
    /// Blank lines are skipped; every line number is the one a text editor shows.
    public init(reading data: Data) throws(CSVTableError) {
        var bytes = [UInt8](data)
        if bytes.starts(with: Self.byteOrderMark) { bytes.removeFirst(Self.byteOrderMark.count) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        // The library reads a quoted cell that is never closed to the end of the file, silently.
        if let line = Self.unclosedQuote(in: text) { throw .unclosedQuote(line: line) }
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: true) } catch { throw .noHeader }
        guard let header = reader.headerRow, header.contains(where: { !$0.isEmpty }) else { throw .noHeader }
        self.header = header
        // A quoted cell may hold line breaks: count them to keep line numbers true.
        func lines(_ cells: [String]) -> Int { cells.reduce(1) { $0 + $1.utf8.filter { $0 == 0x0A }.count } }
        var line = 1 + lines(header)
        rows = []
        while let cells = reader.next() {
            if cells.contains(where: { !$0.isEmpty }) { rows.append(Row(line: line, cells: cells)) }
            line += lines(cells)
        }
        if let error = reader.error { throw .unreadable("\(error)") }
    }

    /// The line on which a quoted cell starts that no quote closes, if any.
    /// A quote inside an unquoted cell is an ordinary character, as the reader takes it.
    static func unclosedQuote(in text: String) -> Int? {
        var line = 1
        var opened = 0
        var quoted = false
        var fieldStart = true
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?
        while let scalar = pending ?? scalars.next() {
            pending = nil
            if scalar == "\n" { line += 1 }
            if quoted {
                if scalar == "\"" {
                    // A doubled quote is a quote in the cell; a single one closes it.
                    let next = scalars.next()
                    if next == "\"" { continue }
                    quoted = false
                    fieldStart = false
                    pending = next
                }
            } else if scalar == "\"" && fieldStart {
                quoted = true
                opened = line
            } else {
                fieldStart = scalar == "," || scalar == "\n" || scalar == "\r"
            }
        }
        return quoted ? opened : nil
    }

    /// The table as CSV bytes: a header line, then a line per row, each ending
    /// in a line feed; a byte order mark first when `byteOrderMark` is set.
    public func data(byteOrderMark: Bool = false) -> Data {
        let stream = OutputStream.toMemory()
        // Writing to memory fails only when memory does.
        let writer = try! CSVWriter(stream: stream)
        try! writer.write(row: header)
        for row in rows { try! writer.write(row: row.cells) }
        writer.stream.close()
        var data = Data(byteOrderMark ? Self.byteOrderMark : [])
        data += writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        data.append(0x0A)
        return data
    }
}

/// Why a CSV file could not be read.
public enum CSVTableError: Error, Hashable, Sendable, CustomStringConvertible {
    case notUTF8
    case noHeader
    case unreadable(String)
    case unclosedQuote(line: Int)

    public var description: String {
        switch self {
        case .notUTF8: "the file is not UTF-8 text: save it as CSV UTF-8 and try again"
        case .unclosedQuote(let line): "line \(line): a cell opens a quote (\") that nothing closes, so the rest of the file would be read into it: close the quote"
        case .noHeader: "the file has no header line: the first line names the columns"
        case .unreadable(let reason): "the file cannot be read as CSV: \(reason)"
        }
    }
}
