import Foundation

/// The machine a run measured, for the report's header.
public struct Machine: Sendable {
    public var cpu: String
    public var cores: Int
    public var memory: String
    public var system: String
    public var swift: String
    public var date: String

    public static func current(swiftVersion: String) -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let cpu = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let kib = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal") }
            .flatMap { line in line.split(separator: " ").compactMap { Int64($0) }.first } ?? 0
        let release = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let pretty = osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "Linux"
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return Machine(
            cpu: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
            memory: String(format: "%.0f GiB", Double(kib) / 1_048_576), system: "\(pretty), Linux \(release)",
            swift: swiftVersion, date: formatter.string(from: Date()))
    }
}
