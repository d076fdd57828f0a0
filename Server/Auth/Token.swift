import Crypto
import Foundation

/// Bearer tokens: 256 random bits, handed out once, stored only as a SHA-256 hash.
public enum Token {
    /// Every token starts with this, so a leaked one is easy to recognise.
    public static let prefix = "kam_"

    /// A new random token.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The hash a token is stored and looked up by.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
