import Foundation

/// What the output goes to: whether to colour it and whether to show progress.
public struct Terminal: Sendable {
    /// Whether standard output is a terminal that may be coloured.
    public let colour: Bool
    /// Whether standard error is a terminal, so progress lines may be drawn there.
    public let progress: Bool

    public init(colour: Bool, progress: Bool) {
        self.colour = colour
        self.progress = progress
    }

    /// The terminal as the environment says: colour only on a terminal, never
    /// with `NO_COLOR` set or `TERM=dumb`.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> Terminal {
        let dumb = environment["TERM"] == "dumb"
        let noColour = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return Terminal(colour: isatty(STDOUT_FILENO) == 1 && !dumb && !noColour, progress: isatty(STDERR_FILENO) == 1 && !dumb)
    }

    public func bold(_ text: String) -> String { style(text, "1") }
    public func yellow(_ text: String) -> String { style(text, "33") }
    public func red(_ text: String) -> String { style(text, "31") }
    public func dim(_ text: String) -> String { style(text, "2") }

    private func style(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
