import Foundation

/// The version of the sync protocol: the wire messages and the merge rules.
///
/// Every request and response carries it. A server answers a request of a
/// version it does not speak with `unsupported-protocol-version`, and the
/// client tells the user to upgrade.
public enum KAMProtocolVersion {
    /// 2: pull pages carry removals (records that left the puller's sight)
    /// and owner changes.
    /// 3: the feed's unit is a record: a binary pull page carries whole
    /// records in the server's stored form (``RecordPage``).
    public static let current = 3
    /// The versions this build can read.
    public static let supported: ClosedRange<Int> = 1...3
}

/// How the wire messages are written as JSON, the same on both sides.
public enum WireFormat {
    /// The encoder for wire messages (sorted keys, so equal messages are equal bytes).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The decoder for wire messages.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
