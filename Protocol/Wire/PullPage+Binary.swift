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
        if protocolVersion >= 3 { return RecordPage(self).binaryEncoded() }
        var writer = BinaryWriter()
        writer.pageHeader(version: protocolVersion, cursor: cursor, hasMore: hasMore, authors: authors)
        writer.records(records)
        guard protocolVersion >= 2 else { return Data(writer.bytes) }
        writer.removals(removals)
        writer.ownerChanges(ownerChanges)
        return Data(writer.bytes)
    }

    /// Reads a page written by `binaryEncoded()`, or by ``RecordPage/binaryEncoded()`` (protocol 3).
    public init(binary data: Data) throws(StateEncodingError) {
        var reader = BinaryReader(bytes: [UInt8](data))
        let (version, cursor, hasMore, authors) = try reader.pageHeader()
        if version >= 3 {
            do {
                self = try RecordPage(binary: data).decoded()
            } catch let error as StateEncodingError {
                throw error
            } catch {
                throw .badRecord
            }
            return
        }
        let records = try reader.records()
        var removals: [Removal] = []
        var ownerChanges: [OwnerChange] = []
        if version >= 2 {
            removals = try reader.removals()
            ownerChanges = try reader.ownerChanges()
        }
        guard reader.atEnd else { throw .trailingBytes }
        self.init(
            records: records, authors: authors, cursor: cursor, hasMore: hasMore, removals: removals, ownerChanges: ownerChanges,
            protocolVersion: Int(version))
    }
}

extension BinaryWriter {
    /// A page's header: `0xB2 protocolVersion cursor hasMore n (replica user) × n`.
    mutating func pageHeader(version: Int, cursor: UInt64, hasMore: Bool, authors: [ReplicaID: String]) {
        byte(PullPage.binaryFormatByte)
        varint(UInt64(max(version, 0)))
        varint(cursor)
        byte(hasMore ? 1 : 0)
        varint(UInt64(authors.count))
        for (replica, user) in authors.sorted(by: { $0.key < $1.key }) {
            text(replica.rawValue)
            text(user)
        }
    }

    /// Removals, counted: `m (kind id account reason k owner × k) × m`.
    mutating func removals(_ removals: [Removal]) {
        varint(UInt64(removals.count))
        for removal in removals {
            text(removal.kind.rawValue)
            text(removal.id.rawValue)
            text(removal.account.rawValue)
            text(removal.reason.rawValue)
            texts(removal.owners)
        }
    }

    /// Owner changes, counted: `c (account at by k from × k  l to × l) × c`.
    mutating func ownerChanges(_ changes: [OwnerChange]) {
        varint(UInt64(changes.count))
        for change in changes {
            text(change.account.rawValue)
            zigzag(change.at.rawValue)
            text(change.by)
            texts(change.from)
            texts(change.to)
        }
    }

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
    /// A page's header, as `BinaryWriter.pageHeader` wrote it.
    mutating func pageHeader() throws(StateEncodingError) -> (version: Int, cursor: UInt64, hasMore: Bool, authors: [ReplicaID: String]) {
        guard try byte() == PullPage.binaryFormatByte else { throw .notBinary }
        let version = try varint()
        guard version <= UInt64(Int.max) else { throw .overlong }
        let cursor = try varint()
        let hasMore = try byte() == 1
        var authors: [ReplicaID: String] = [:]
        for _ in 0..<(try count()) {
            guard let replica = ReplicaID(rawValue: try text()) else { throw .badReplica }
            authors[replica] = try text()
        }
        return (Int(version), cursor, hasMore, authors)
    }

    /// Removals as `BinaryWriter.removals` wrote them.
    mutating func removals() throws(StateEncodingError) -> [Removal] {
        var removals: [Removal] = []
        for _ in 0..<(try count()) {
            guard let kind = RecordKind(rawValue: try text()), let id = RecordID(rawValue: try text()),
                let account = RecordID(rawValue: try text()), let reason = Removal.Reason(rawValue: try text())
            else { throw .badRecord }
            removals.append(Removal(kind: kind, id: id, account: account, reason: reason, owners: try texts()))
        }
        return removals
    }

    /// Owner changes as `BinaryWriter.ownerChanges` wrote them.
    mutating func ownerChanges() throws(StateEncodingError) -> [OwnerChange] {
        var changes: [OwnerChange] = []
        for _ in 0..<(try count()) {
            guard let account = RecordID(rawValue: try text()) else { throw .badRecord }
            let at = Timestamp(rawValue: try zigzag())
            changes.append(OwnerChange(account: account, at: at, by: try text(), from: try texts(), to: try texts()))
        }
        return changes
    }

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
