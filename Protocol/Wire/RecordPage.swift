import Foundation

/// A record as a store keeps it: ``RecordEncoding``'s bytes, with replicas
/// numbered by that store.
public struct EncodedRecord: Hashable, Sendable {
    public var kind: RecordKind
    public var id: RecordID
    public var bytes: Data

    public init(kind: RecordKind, id: RecordID, bytes: Data) {
        self.kind = kind
        self.id = id
        self.bytes = bytes
    }
}

/// A page of the change feed whose records are still the server's stored
/// bytes (protocol 3): the server writes it without decoding a record, and
/// names beside them the replicas their numbers stand for.
///
/// ```
/// 0xB2 3 cursor hasMore n (replica user) × n          as every page
/// q  (number replica) × q                             the numbers the records use
/// r  (kind id length bytes) × r                       records, RecordEncoding's form
/// m  (kind id account reason k owner × k) × m         removals
/// c  (account at by k from × k  l to × l) × c          owner changes
/// ```
public struct RecordPage: Hashable, Sendable {
    public var records: [EncodedRecord]
    /// The replica each number in `records` stands for.
    public var replicas: [UInt64: ReplicaID]
    public var authors: [ReplicaID: String]
    public var cursor: UInt64
    public var hasMore: Bool
    public var removals: [Removal]
    public var ownerChanges: [OwnerChange]
    public var protocolVersion: Int

    public init(
        records: [EncodedRecord], replicas: [UInt64: ReplicaID], authors: [ReplicaID: String], cursor: UInt64, hasMore: Bool,
        removals: [Removal] = [], ownerChanges: [OwnerChange] = [], protocolVersion: Int = KAMProtocolVersion.current
    ) {
        self.records = records
        self.replicas = replicas
        self.authors = authors
        self.cursor = cursor
        self.hasMore = hasMore
        self.removals = removals
        self.ownerChanges = ownerChanges
        self.protocolVersion = protocolVersion
    }

    /// The page with its records numbered by the page itself, for a page
    /// that was assembled from states rather than stored bytes.
    public init(_ page: PullPage) {
        var numbers: [ReplicaID: UInt64] = [:]
        var replicas: [UInt64: ReplicaID] = [:]
        var last: (replica: ReplicaID, number: UInt64)?
        func number(_ replica: ReplicaID) -> UInt64 {
            // A record mostly names one replica: the last answer saves hashing its id again.
            if let last, last.replica == replica { return last.number }
            let number = numbers[replica] ?? UInt64(numbers.count + 1)
            if numbers[replica] == nil {
                numbers[replica] = number
                replicas[number] = replica
            }
            last = (replica, number)
            return number
        }
        self.init(
            records: page.records.map { EncodedRecord(kind: $0.kind, id: $0.id, bytes: RecordEncoding.encode($0, number: number)) },
            replicas: replicas, authors: page.authors, cursor: page.cursor, hasMore: page.hasMore, removals: page.removals,
            ownerChanges: page.ownerChanges, protocolVersion: max(page.protocolVersion, 3))
    }

    /// The page with its records decoded: what a laptop joins, and what a
    /// server sends a client of an earlier protocol or one that asked for JSON.
    public func decoded() throws -> PullPage {
        // Numbers are mostly small and dense: an array answers without hashing.
        let highest = replicas.keys.max() ?? 0
        var byNumber: [ReplicaID?] = []
        if highest < 65_536 {
            byNumber = Array(repeating: nil, count: Int(highest) + 1)
            for (number, replica) in replicas { byNumber[Int(number)] = replica }
        }
        let states = try records.map { record in
            try RecordEncoding.decode(record.bytes, kind: record.kind, id: record.id) { number in
                let replica = number < UInt64(byNumber.count) ? byNumber[Int(number)] : replicas[number]
                guard let replica else { throw StateEncodingError.badReplica }
                return replica
            }
        }
        return PullPage(
            records: states, authors: authors, cursor: cursor, hasMore: hasMore, removals: removals, ownerChanges: ownerChanges,
            protocolVersion: protocolVersion)
    }

    /// The page in binary form, each record's bytes copied as they are.
    public func binaryEncoded() -> Data {
        var writer = BinaryWriter()
        writer.pageHeader(version: protocolVersion, cursor: cursor, hasMore: hasMore, authors: authors)
        writer.varint(UInt64(replicas.count))
        for (number, replica) in replicas.sorted(by: { $0.key < $1.key }) {
            writer.varint(number)
            writer.text(replica.rawValue)
        }
        writer.varint(UInt64(records.count))
        for record in records {
            writer.text(record.kind.rawValue)
            writer.text(record.id.rawValue)
            writer.varint(UInt64(record.bytes.count))
            writer.bytes.append(contentsOf: record.bytes)
        }
        writer.removals(removals)
        writer.ownerChanges(ownerChanges)
        return Data(writer.bytes)
    }

    /// Reads a page written by ``binaryEncoded()``; its records stay bytes until ``decoded()``.
    public init(binary data: Data) throws(StateEncodingError) {
        var reader = BinaryReader(bytes: [UInt8](data))
        let (version, cursor, hasMore, authors) = try reader.pageHeader()
        guard version >= 3 else { throw .badRecord }
        var replicas: [UInt64: ReplicaID] = [:]
        for _ in 0..<(try reader.count()) {
            let number = try reader.varint()
            guard let replica = ReplicaID(rawValue: try reader.text()), replicas.updateValue(replica, forKey: number) == nil else {
                throw .badReplica
            }
        }
        var records: [EncodedRecord] = []
        for _ in 0..<(try reader.count()) {
            guard let kind = RecordKind(rawValue: try reader.text()), let id = RecordID(rawValue: try reader.text()) else { throw .badRecord }
            let length = try reader.count()
            records.append(EncodedRecord(kind: kind, id: id, bytes: Data(reader.bytes[reader.position..<reader.position + length])))
            reader.position += length
        }
        let removals = try reader.removals()
        let ownerChanges = try reader.ownerChanges()
        guard reader.atEnd else { throw .trailingBytes }
        self.init(
            records: records, replicas: replicas, authors: authors, cursor: cursor, hasMore: hasMore, removals: removals,
            ownerChanges: ownerChanges, protocolVersion: version)
    }
}
