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
    /// Registers are self-delimiting, so they are written in place. From
    /// protocol 2 on, two sections follow the records:
    /// ```
    /// m  (kind id account reason k owner × k) × m                removals
    /// c  (account at by k from × k  l to × l) × c                 owner changes
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
        writer.records(records)
        guard protocolVersion >= 2 else { return Data(writer.bytes) }
        writer.varint(UInt64(removals.count))
        for removal in removals {
            writer.text(removal.kind.rawValue)
            writer.text(removal.id.rawValue)
            writer.text(removal.account.rawValue)
            writer.text(removal.reason.rawValue)
            writer.texts(removal.owners)
        }
        writer.varint(UInt64(ownerChanges.count))
        for change in ownerChanges {
            writer.text(change.account.rawValue)
            writer.zigzag(change.at.rawValue)
            writer.text(change.by)
            writer.texts(change.from)
            writer.texts(change.to)
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
        let records = try reader.records()
        var removals: [Removal] = []
        var ownerChanges: [OwnerChange] = []
        if version >= 2 {
            for _ in 0..<(try reader.count()) {
                guard let kind = RecordKind(rawValue: try reader.text()), let id = RecordID(rawValue: try reader.text()),
                    let account = RecordID(rawValue: try reader.text()), let reason = Removal.Reason(rawValue: try reader.text())
                else { throw .badRecord }
                removals.append(Removal(kind: kind, id: id, account: account, reason: reason, owners: try reader.texts()))
            }
            for _ in 0..<(try reader.count()) {
                guard let account = RecordID(rawValue: try reader.text()) else { throw .badRecord }
                let at = Timestamp(rawValue: try reader.zigzag())
                ownerChanges.append(OwnerChange(account: account, at: at, by: try reader.text(), from: try reader.texts(), to: try reader.texts()))
            }
        }
        guard reader.atEnd else { throw .trailingBytes }
        self.init(
            records: records, authors: authors, cursor: cursor, hasMore: hasMore, removals: removals, ownerChanges: ownerChanges,
            protocolVersion: Int(version))
    }
}

extension BinaryWriter {
    /// Record states, counted: `r (kind id f (name register) × f  0 | 1 existence) × r`.
    mutating func records(_ records: [RecordState]) {
        varint(UInt64(records.count))
        for record in records {
            text(record.kind.rawValue)
            text(record.id.rawValue)
            varint(UInt64(record.fields.count))
            for (name, register) in record.fields.sorted(by: { $0.key < $1.key }) {
                text(name)
                StateEncoding.write(register, into: &self)
            }
            if record.existence.context.isEmpty {
                byte(0)
            } else {
                byte(1)
                StateEncoding.write(record.existence, into: &self)
            }
        }
    }
}

extension BinaryReader {
    /// Record states as `BinaryWriter.records(_:)` wrote them.
    mutating func records() throws(StateEncodingError) -> [RecordState] {
        let count = try count()
        var records: [RecordState] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            guard let kind = RecordKind(rawValue: try text()), let id = RecordID(rawValue: try text()) else { throw .badRecord }
            var fields: [String: Register<FieldValue>] = [:]
            for _ in 0..<(try self.count()) {
                let name = try text()
                fields[name] = try StateEncoding.readField(from: &self)
            }
            let flag = try byte()
            guard flag <= 1 else { throw .badTag(flag) }
            let existence = flag == 1 ? try StateEncoding.readExistence(from: &self) : Register<Existence>()
            records.append(RecordState(kind: kind, id: id, fields: fields, existence: existence))
        }
        return records
    }
}
