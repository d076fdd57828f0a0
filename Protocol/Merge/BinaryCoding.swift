import Foundation

/// Appends varints, zigzag numbers and length-prefixed texts.
struct BinaryWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(96) }

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func zigzag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func text(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A counted list of texts.
    mutating func texts(_ strings: [String]) {
        varint(UInt64(strings.count))
        for string in strings { text(string) }
    }

    mutating func field(_ value: FieldValue) {
        switch value {
        case .null: byte(0)
        case .integer(let number):
            byte(1)
            zigzag(number)
        case .text(let string):
            byte(2)
            text(string)
        }
    }

    /// A version vector over `replicas` (sorted, holding every replica of the vector).
    mutating func vector(_ vector: VersionVector, _ replicas: [ReplicaID]) {
        let entries = vector.sortedCounters
        varint(UInt64(entries.count))
        for (replica, counter) in entries {
            varint(UInt64(Self.position(of: replica, in: replicas)))
            varint(counter)
        }
    }

    /// Where `replica` stands in the sorted `replicas`, which holds it.
    static func position(of replica: ReplicaID, in replicas: [ReplicaID]) -> Int {
        var low = 0
        var high = replicas.count - 1
        while low < high {
            let middle = (low + high) / 2
            if replicas[middle] < replica { low = middle + 1 } else { high = middle }
        }
        precondition(replicas[low] == replica, "replica \(replica) is not in the register's replica list")
        return low
    }
}

/// Reads what `BinaryWriter` wrote, checking every length against the bytes left.
struct BinaryReader {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func byte() throws(StateEncodingError) -> UInt8 {
        guard position < bytes.count else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(StateEncodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64, shift < 63 || next <= 1 else { throw .overlong }
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return result }
            shift += 7
        }
    }

    /// A count of items that each take at least one byte: never more than the bytes left.
    mutating func count() throws(StateEncodingError) -> Int {
        let value = try varint()
        guard value <= UInt64(bytes.count - position) else { throw .truncated }
        return Int(value)
    }

    mutating func zigzag() throws(StateEncodingError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func text() throws(StateEncodingError) -> String {
        let length = try count()
        let slice = bytes[position..<position + length]
        position += length
        guard let string = String(validating: slice, as: UTF8.self) else { throw .badText }
        return string
    }

    /// A counted list of texts, as `BinaryWriter.texts(_:)` wrote it.
    mutating func texts() throws(StateEncodingError) -> [String] {
        var strings: [String] = []
        for _ in 0..<(try count()) { strings.append(try text()) }
        return strings
    }

    mutating func replica(_ replicas: [ReplicaID]) throws(StateEncodingError) -> ReplicaID {
        let index = try varint()
        guard index < UInt64(replicas.count) else { throw .badReplica }
        return replicas[Int(index)]
    }

    mutating func field() throws(StateEncodingError) -> FieldValue {
        switch try byte() {
        case 0: return .null
        case 1: return .integer(try zigzag())
        case 2: return .text(try text())
        case let tag: throw .badTag(tag)
        }
    }

    mutating func vector(_ replicas: [ReplicaID]) throws(StateEncodingError) -> VersionVector {
        let count = try count()
        var counters: [ReplicaID: UInt64] = [:]
        for _ in 0..<count {
            let replica = try replica(replicas)
            let counter = try varint()
            guard counter > 0 else { throw .zeroCounter }
            guard counter <= Dot.maximumCounter else { throw .counterOutOfRange }
            guard counters.updateValue(counter, forKey: replica) == nil else { throw .badReplica }
        }
        return VersionVector(counters)
    }
}
