import Foundation

extension PullPage {
    /// The media type of a pull page in binary form: a client that sends it in
    /// `Accept` gets the page this way, everyone else gets JSON.
    public static let binaryMediaType = "application/vnd.kam.pull-page"

    /// The first byte of a binary pull page.
    static let binaryFormatByte: UInt8 = 0xB2

    /// The page in binary form: the same content as the JSON, each register in
    /// `StateEncoding`'s form.
    ///
    /// ```
    /// 0xB2 protocolVersion cursor hasMore
    /// n  (replica user) × n                                      authors
    /// r  (kind id f (name register) × f  0 | 1 existence) × r   records
    /// ```
    ///
    /// Registers are self-delimiting, so they are written in place.
    /// ```
    /// ```
    public func binaryEncoded() -> Data {
        var writer = BinaryWriter()
        writer.byte(Self.binaryFormatByte)
        writer.varint(UInt64(max(protocolVersion, 0)))
        writer.varint(cursor)
        writer.byte(hasMore ? 1 : 0)
        writer.varint(UInt64(authors.count))
        for (replica, user) in authors.sorted(by: { $0.key < $1.key }) {
            writer.text(replica.rawValue)
            writer.text(user)
        }
        writer.varint(UInt64(records.count))
        for record in records {
            writer.text(record.kind.rawValue)
            writer.text(record.id.rawValue)
            writer.varint(UInt64(record.fields.count))
            for (name, register) in record.fields.sorted(by: { $0.key < $1.key }) {
                writer.text(name)
                StateEncoding.write(register, into: &writer)
            }
            if record.existence.context.isEmpty {
                writer.byte(0)
            } else {
                writer.byte(1)
                StateEncoding.write(record.existence, into: &writer)
            }
        }
        return Data(writer.bytes)
    }

    /// Reads a page written by `binaryEncoded()`.
    public init(binary data: Data) throws(StateEncodingError) {
        var reader = BinaryReader(bytes: [UInt8](data))
        guard try reader.byte() == Self.binaryFormatByte else { throw .notBinary }
        let version = try reader.varint()
        guard version <= UInt64(Int.max) else { throw .overlong }
        let cursor = try reader.varint()
        let hasMore = try reader.byte() == 1
        var authors: [ReplicaID: String] = [:]
        for _ in 0..<(try reader.count()) {
            guard let replica = ReplicaID(rawValue: try reader.text()) else { throw .badReplica }
            authors[replica] = try reader.text()
        }
        let count = try reader.count()
        var records: [RecordState] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            guard let kind = RecordKind(rawValue: try reader.text()), let id = RecordID(rawValue: try reader.text()) else { throw .badRecord }
            var fields: [String: Register<FieldValue>] = [:]
            for _ in 0..<(try reader.count()) {
                let name = try reader.text()
                fields[name] = try StateEncoding.readField(from: &reader)
            }
            let existence = try reader.byte() == 1 ? try StateEncoding.readExistence(from: &reader) : Register<Existence>()
            records.append(RecordState(kind: kind, id: id, fields: fields, existence: existence))
        }
        guard reader.atEnd else { throw .trailingBytes }
        self.init(records: records, authors: authors, cursor: cursor, hasMore: hasMore, protocolVersion: Int(version))
    }
}
