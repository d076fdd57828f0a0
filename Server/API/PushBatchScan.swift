/// Counts the elements of a push body's top-level `records` array by scanning
/// its bytes, without decoding them, so an oversized batch is refused before
/// thousands of record states are built.
///
/// The scan only has to be right for valid JSON: a body it misreads is
/// malformed, and the full decode refuses it. A key spelt with escapes is not
/// recognised here; the count after decoding still catches that batch.
enum PushBatchScan {
    /// The number of elements in the top-level `records` array, counting no
    /// further than `limit + 1`; `nil` when the body has no such array.
    static func recordCount(in bytes: some Collection<UInt8>, limit: Int) -> Int? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":"), comma = UInt8(ascii: ",")
        let openers: Set<UInt8> = [UInt8(ascii: "{"), UInt8(ascii: "[")]
        let closers: Set<UInt8> = [UInt8(ascii: "}"), UInt8(ascii: "]")]
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        let recordsKey = Array("records".utf8)

        var depth = 0
        var inString = false, escaped = false
        var key: [UInt8] = []  // the current string at depth 1, while it may still be "records"
        var keyCandidate = false
        var lastString: [UInt8]? = nil  // the string just closed at depth 1
        var awaitingValueOfRecords = false
        var recordsDepth: Int? = nil  // depth inside the records array
        var count = 0, sawElement = false

        for byte in bytes {
            if inString {
                if escaped { escaped = false; keyCandidate = false; continue }
                if byte == backslash { escaped = true; continue }
                if byte == quote {
                    inString = false
                    if depth == 1 && recordsDepth == nil { lastString = keyCandidate ? key : nil }
                    continue
                }
                if keyCandidate {
                    if key.count < recordsKey.count { key.append(byte) } else { keyCandidate = false }
                }
                continue
            }
            if whitespace.contains(byte) { continue }
            if let inside = recordsDepth, depth == inside, !closers.contains(byte) {
                if byte == comma { count += 1; if count > limit { return count } } else if !sawElement { sawElement = true; count = 1 }
            }
            if byte == quote {
                inString = true
                if depth == 1 && recordsDepth == nil { key = []; keyCandidate = true }
                awaitingValueOfRecords = false
                continue
            }
            if byte == colon {
                awaitingValueOfRecords = depth == 1 && lastString == recordsKey
                lastString = nil
                continue
            }
            if openers.contains(byte) {
                depth += 1
                if awaitingValueOfRecords && byte == UInt8(ascii: "[") && recordsDepth == nil { recordsDepth = depth }
                awaitingValueOfRecords = false
                continue
            }
            if closers.contains(byte) {
                if let inside = recordsDepth, depth == inside { return count }
                depth -= 1
                continue
            }
            awaitingValueOfRecords = false
            lastString = nil
        }
        return nil
    }
}
