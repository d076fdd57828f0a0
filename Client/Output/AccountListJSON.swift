import KAMProtocol

/// The JSON of `kam account list --json`, written directly.
///
/// It is the text `JSONEncoder` gives with `.prettyPrinted`, `.sortedKeys`
/// and `.withoutEscapingSlashes`, with DEL and the C1 controls escaped as
/// ``DisplayText/escapingControlsInJSON(_:)`` does (a test holds the two to
/// the same bytes). The encoder builds a tree of boxed values for every row
/// and spends most of a territory's listing on it; this writes the bytes.
public enum AccountListJSON {
    /// The list as UTF-8 JSON text, without a final newline.
    public static func bytes(_ accounts: [AccountSummary]) -> [UInt8] {
        var writer = Writer()
        writer.bytes.reserveCapacity(accounts.count * 320 + 8)
        writer.append("[\n")
        if accounts.isEmpty { writer.append("\n") }
        for (index, account) in accounts.enumerated() {
            writer.object(account)
            writer.append(index == accounts.count - 1 ? "\n" : ",\n")
        }
        writer.append("]")
        return writer.bytes
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func append(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        /// One account at depth 1; its keys in sorted order, absent optionals left out.
        mutating func object(_ account: AccountSummary) {
            append("  {\n")
            key("flags")
            append("[\n")
            if account.flags.isEmpty { append("\n") }
            for (index, flag) in account.flags.enumerated() {
                append("      ")
                string(flag)
                append(index == account.flags.count - 1 ? "\n" : ",\n")
            }
            append("    ]")
            field("id", account.id.rawValue)
            field("industry", account.industry)
            field("name", account.name)
            append(",\n")
            key("needsResolution")
            append(account.needsResolution ? "true" : "false")
            field("owner", account.owner)
            field("region", account.region)
            if let share = account.share {
                append(",\n")
                key("share")
                // As the encoder writes a Double: a whole number without ".0".
                let percent = share.percent
                let text = percent.rounded() == percent ? String(Int(percent)) : percent.description
                bytes.append(contentsOf: text.utf8)
            }
            field("stage", account.stage.rawValue)
            field("tier", account.tier?.rawValue)
            append("\n  }")
        }

        mutating func key(_ name: StaticString) {
            append("    \"")
            append(name)
            append("\" : ")
        }

        /// `,\n` and the field, when it has a value.
        mutating func field(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            append(",\n")
            key(name)
            string(value)
        }

        mutating func string(_ value: String) {
            bytes.append(0x22)
            var value = value
            value.withUTF8 { utf8 in
                var index = 0
                while index < utf8.count {
                    let byte = utf8[index]
                    switch byte {
                    case 0x22: append("\\\"")
                    case 0x5C: append("\\\\")
                    case 0x08: append("\\b")
                    case 0x09: append("\\t")
                    case 0x0A: append("\\n")
                    case 0x0C: append("\\f")
                    case 0x0D: append("\\r")
                    case 0x00..<0x20, 0x7F: escape(UInt32(byte))
                    case 0xC2 where index + 1 < utf8.count && (0x80...0x9F).contains(utf8[index + 1]):
                        // A C1 control, U+0080 to U+009F, is 0xC2 then its last byte.
                        escape(UInt32(utf8[index + 1]))
                        index += 1
                    default: bytes.append(byte)
                    }
                    index += 1
                }
            }
            bytes.append(0x22)
        }

        /// `\u00XX` with lowercase hex digits.
        mutating func escape(_ value: UInt32) {
            append("\\u00")
            bytes.append(Self.hexDigits[Int(value >> 4)])
            bytes.append(Self.hexDigits[Int(value & 0xF)])
        }

        static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    }
}
