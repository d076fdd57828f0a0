/// Chooses the media type of an answer from a request's `Accept` header
/// (RFC 9110, section 12.5.1): the offered type with the highest quality, a
/// more specific range deciding over a wider one, the server's order breaking ties.
enum ContentNegotiation {
    /// The type to answer with, or `nil` when the header accepts none of `offered`.
    /// No header, or an empty one, accepts anything: the first offered type.
    static func choose(accept: String?, offered: [String]) -> String? {
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return offered.first }
        let ranges = accept.split(separator: ",").compactMap(MediaRange.init)
        var best: (type: String, quality: Double)?
        for type in offered {
            // The most specific range that matches decides the quality.
            let quality = ranges.filter { $0.matches(type) }.max { $0.specificity < $1.specificity }?.quality ?? 0
            if quality > 0, quality > (best?.quality ?? 0) { best = (type, quality) }
        }
        return best?.type
    }

    private struct MediaRange {
        var type: Substring
        var subtype: Substring
        var quality: Double

        init?(_ text: Substring) {
            let parts = text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let range = parts.first, !range.isEmpty else { return nil }
            let halves = range.lowercased().split(separator: "/", maxSplits: 1)
            guard halves.count == 2 else { return nil }
            (type, subtype) = (halves[0], halves[1])
            quality = 1
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0].lowercased() == "q" { quality = Double(pair[1]).map { min(max($0, 0), 1) } ?? 0 }
            }
        }

        var specificity: Int { type == "*" ? 0 : subtype == "*" ? 1 : 2 }

        func matches(_ offered: String) -> Bool {
            let halves = offered.split(separator: "/", maxSplits: 1)
            return (type == "*" || type == halves[0]) && (subtype == "*" || subtype == halves[1])
        }
    }
}
