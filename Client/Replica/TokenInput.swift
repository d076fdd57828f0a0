/// Where a bearer token is read from, so that it need not be typed on the
/// command line (where `ps` and the shell's history show it).
public enum TokenInput {
    /// The environment variable `kam init` reads the token from.
    public static let environmentVariable = "KAM_TOKEN"

    /// The token given: `option` itself, or for `-` one line read with
    /// `readLine` (standard input); with no option, `KAM_TOKEN` from
    /// `environment` when `useEnvironment`. Surrounding whitespace is trimmed.
    ///
    /// - Returns: the token, or `nil` when none was given anywhere.
    /// - Throws: ``ClientError/emptyToken(_:)`` when the one given is empty.
    public static func resolve(
        option: String?, environment: [String: String], useEnvironment: Bool = true, readLine: () -> String?
    ) throws(ClientError) -> String? {
        let text: String
        let source: String
        if let option {
            if option == "-" {
                text = readLine() ?? ""
                source = "standard input"
            } else {
                text = option
                source = "--token"
            }
        } else if useEnvironment, let value = environment[environmentVariable] {
            text = value
            source = environmentVariable
        } else {
            return nil
        }
        let token = text.trimmingSpaces()
        guard !token.isEmpty else { throw .emptyToken(source) }
        return token
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
