import Foundation

/// How figures are written in the table and in BENCHMARKS.md.
enum Format {
    static func seconds(_ value: Double) -> String {
        if value.isNaN { return "–" }
        if value < 0.001 { return String(format: "%.0f µs", value * 1e6) }
        if value < 1 { return String(format: "%.1f ms", value * 1e3) }
        return String(format: "%.2f s", value)
    }

    static func rate(_ value: Double, _ unit: String) -> String {
        if value >= 1e6 { return String(format: "%.2f M \(unit)/s", value / 1e6) }
        if value >= 1e4 { return String(format: "%.0f k \(unit)/s", value / 1e3) }
        return String(format: "%.0f \(unit)/s", value)
    }

    static func bytes(_ value: Int64) -> String {
        let v = Double(value)
        if v >= 1e9 { return String(format: "%.2f GB", v / 1e9) }
        if v >= 1e6 { return String(format: "%.2f MB", v / 1e6) }
        if v >= 1e3 { return String(format: "%.1f kB", v / 1e3) }
        return "\(value) B"
    }

    static func count(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return String(result.reversed())
    }

    static func ratio(_ value: Double) -> String {
        value.isNaN || value.isInfinite ? "–" : String(format: "%.2f×", value)
    }

    static func percent(_ value: Double) -> String {
        value.isNaN ? "–" : String(format: "%.0f %%", value * 100)
    }
}
