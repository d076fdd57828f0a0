import Foundation

extension PushRequest {
    /// The media type of a push in binary form (`Content-Type`). A server from
    /// protocol 2 on takes it; JSON stays accepted from every client.
    public static let binaryMediaType = "application/vnd.kam.push"

    /// The first byte of a binary push.
    static let binaryFormatByte: UInt8 = 0xB3

    /// The push in binary form: the same content as the JSON, each register in
    /// `StateEncoding`'s form, the record count before the records so a server
    /// can refuse an oversized batch before reading them.
    /// ```
    /// 0xB3 protocolVersion replica
    /// r  (kind id f (name register) × f  0 | 1 existence) × r
    /// ```
    public func binaryEncoded() -> Data {
        var writer = BinaryWriter()
        writer.byte(Self.binaryFormatByte)
        writer.varint(UInt64(max(protocolVersion, 0)))
        writer.text(replica.rawValue)
        writer.records(records)
        return Data(writer.bytes)
    }

    /// Reads a push written by `binaryEncoded()`.
    public init(binary data: Data) throws(StateEncodingError) {
        var reader = BinaryReader(bytes: [UInt8](data))
        let (version, replica) = try Self.header(&reader)
        let records = try reader.records()
        guard reader.atEnd else { throw .trailingBytes }
        self.init(replica: replica, records: records, protocolVersion: version)
    }

    /// How many records a binary push holds, read from its header alone.
    public static func binaryRecordCount(_ data: Data) throws(StateEncodingError) -> Int {
        var reader = BinaryReader(bytes: [UInt8](data.prefix(256)))
        _ = try header(&reader)
        let count = try reader.varint()
        return count > UInt64(Int.max) ? .max : Int(count)
    }

    private static func header(_ reader: inout BinaryReader) throws(StateEncodingError) -> (Int, ReplicaID) {
        guard try reader.byte() == binaryFormatByte else { throw .notBinary }
        let version = try reader.varint()
        guard version <= UInt64(Int.max) else { throw .overlong }
        guard let replica = ReplicaID(rawValue: try reader.text()) else { throw .badReplica }
        return (Int(version), replica)
    }
}
