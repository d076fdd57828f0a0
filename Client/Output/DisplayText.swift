/// Text made safe to put on a terminal.
///
/// Names, notes, user names and messages come from other laptops and from the
/// server: a value holding `ESC [ 31 m` (or the one-character C1 form, U+009B)
/// would otherwise recolour, move the cursor on, or rewrite the user's terminal.
/// Every human (non-JSON) output path passes such text through here. Control
/// characters are shown visibly, never dropped: C0 characters and DEL in caret
/// notation (`ESC` becomes `^[`), C1 characters as `<U+009B>`.
public enum DisplayText {
    /// `text` with every control character made visible. With `multiline`, a
    /// newline and a tab are kept (for notes and messages printed on lines of
    /// their own); otherwise (a table cell, a line) they are made visible too,
    /// except a tab, which becomes a space.
    public static func sanitize(_ text: String, multiline: Bool = false) -> String {
        // Fast path: nothing to replace (the common case).
        guard hasControl(text) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0x0A where multiline, 0x09 where multiline:
                result.append(scalar)
            case 0x09:
                result.append(" ")
            case 0x00..<0x20:
                result.append("^")
                result.append(Unicode.Scalar(UInt8(value + 0x40)))
            case 0x7F:
                result.append(contentsOf: "^?".unicodeScalars)
            case 0x80...0x9F:
                result.append(contentsOf: "<U+00\(String(value, radix: 16, uppercase: true))>".unicodeScalars)
            default:
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Whether `text` holds a control character, read by its UTF-8 bytes: a C0
    /// control and DEL are one byte each, a C1 control is 0xC2 then 0x80–0x9F.
    static func hasControl(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var previous: UInt8 = 0
            for byte in bytes {
                if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) { return true }
                previous = byte
            }
            return false
        }
    }

    /// Whether `scalar` is a C0 control character, DEL, or a C1 control character.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// JSON text with DEL and the C1 control characters written as `\u` escapes.
    ///
    /// A JSON encoder escapes only U+0000 to U+001F; U+007F to U+009F would
    /// reach a terminal raw, and U+009B starts an escape sequence on many. In
    /// JSON these characters can only stand inside strings, where the escape
    /// means the same character: the document decodes to the same value.
    public static func escapingControlsInJSON(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { (0x7F...0x9F).contains($0.value) }) else { return json }
        var result = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            if (0x7F...0x9F).contains(scalar.value) {
                result.append(contentsOf: "\\u00\(String(scalar.value, radix: 16, uppercase: false))".unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
