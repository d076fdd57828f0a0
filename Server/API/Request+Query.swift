import Hummingbird

extension Request {
    /// The query's parameters decoded as HTML forms and most clients send
    /// them (`application/x-www-form-urlencoded`): `+` is a space, `%2B` a
    /// plus. The first of a repeated name wins.
    var query: [String: String] {
        guard let raw = uri.query, !raw.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                // Most parameters (numbers, ids) have nothing to decode.
                guard text.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(text) }
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if result[name] == nil { result[name] = parts.count == 2 ? decode(parts[1]) : "" }
        }
        return result
    }
}
