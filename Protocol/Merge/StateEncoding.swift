import Foundation

/// The compact binary form of one register, as both stores keep it.
///
/// JSON spells every replica id (a 36-character UUID) in every sibling and
/// every version vector entry, and Foundation's JSON coding dominates the
/// stores' work. This form writes each replica id once per register and
/// numbers as LEB128 varints:
///
/// ```
/// 0xB1                                  format 1 (JSON starts with '{')
/// n  (id-length id-bytes) × n           the replicas, sorted
/// s  (replica counter time value) × s   the siblings, sorted by dot
/// v  (replica counter) × v              the version vector
/// ```
///
/// A `replica` is an index into the replica list; `time` is a zigzag varint
/// of milliseconds; a field value is `0` (null), `1 zigzag` (integer) or
/// `2 length bytes` (text); an existence is `0` (live) or `1 vector` (deleted,
/// with what it had seen). Decoding checks what `Register.init(siblings:context:)`
/// checks, so a damaged row is an error, never a wrong state.
public enum StateEncoding {
    /// The first byte of a register in this form.
    public static let formatByte: UInt8 = 0xB1

    /// Whether `data` holds a register in this form (otherwise it is JSON).
    public static func isBinary(_ data: Data) -> Bool { data.first == formatByte }

    public static func encode(_ register: Register<FieldValue>) -> Data {
        var writer = BinaryWriter()
        write(register, into: &writer)
        return Data(writer.bytes)
    }

    public static func encode(_ register: Register<Existence>) -> Data {
        var writer = BinaryWriter()
        write(register, into: &writer)
        return Data(writer.bytes)
    }

    public static func decodeField(_ data: Data) throws(StateEncodingError) -> Register<FieldValue> {
        var reader = BinaryReader(bytes: [UInt8](data))
        let register = try readField(from: &reader)
        guard reader.atEnd else { throw .trailingBytes }
        return register
    }

    public static func decodeExistence(_ data: Data) throws(StateEncodingError) -> Register<Existence> {
        var reader = BinaryReader(bytes: [UInt8](data))
        let register = try readExistence(from: &reader)
        guard reader.atEnd else { throw .trailingBytes }
        return register
    }

    // A register is self-delimiting, so a pull page writes and reads them in place.

    static func write(_ register: Register<FieldValue>, into writer: inout BinaryWriter) {
        write(register, extra: [], into: &writer) { writer, value, _ in writer.field(value) }
    }

    static func write(_ register: Register<Existence>, into writer: inout BinaryWriter) {
        var seen: [ReplicaID] = []
        for sibling in register.siblings {
            if case .deleted(let vector) = sibling.value { seen += vector.sortedCounters.map(\.replica) }
        }
        write(register, extra: seen, into: &writer) { writer, value, replicas in
            switch value {
            case .live: writer.byte(0)
            case .deleted(let vector):
                writer.byte(1)
                writer.vector(vector, replicas)
            }
        }
    }

    static func readField(from reader: inout BinaryReader) throws(StateEncodingError) -> Register<FieldValue> {
        try read(from: &reader) { reader, _ throws(StateEncodingError) in try reader.field() }
    }

    static func readExistence(from reader: inout BinaryReader) throws(StateEncodingError) -> Register<Existence> {
        try read(from: &reader) { reader, replicas throws(StateEncodingError) in
            switch try reader.byte() {
            case 0: return .live
            case 1: return .deleted(seen: try reader.vector(replicas))
            case let tag: throw .badTag(tag)
            }
        }
    }

    /// Reads a stored field register in either form: this one, or the JSON that rows written before it hold.
    public static func readField(_ data: Data) throws -> Register<FieldValue> {
        isBinary(data) ? try decodeField(data) : try WireFormat.decoder().decode(Register<FieldValue>.self, from: data)
    }

    /// Reads a stored deletion register in either form: this one, or JSON.
    public static func readExistence(_ data: Data) throws -> Register<Existence> {
        isBinary(data) ? try decodeExistence(data) : try WireFormat.decoder().decode(Register<Existence>.self, from: data)
    }

    private static func write<Value>(
        _ register: Register<Value>, extra: [ReplicaID], into writer: inout BinaryWriter,
        value: (inout BinaryWriter, Value, [ReplicaID]) -> Void
    ) {
        // Registers hold a few replicas: a sorted array, searched by halves, beats hashing.
        var replicas = register.context.sortedCounters.map(\.replica)
        for sibling in register.siblings { replicas.append(sibling.dot.replica) }
        replicas += extra
        replicas.sort()
        var unique: [ReplicaID] = []
        unique.reserveCapacity(replicas.count)
        for replica in replicas where unique.last != replica { unique.append(replica) }
        writer.byte(formatByte)
        writer.varint(UInt64(unique.count))
        for replica in unique { writer.text(replica.rawValue) }
        writer.varint(UInt64(register.siblings.count))
        for sibling in register.siblings {
            writer.varint(UInt64(BinaryWriter.position(of: sibling.dot.replica, in: unique)))
            writer.varint(sibling.dot.counter)
            writer.zigzag(sibling.at.rawValue)
            value(&writer, sibling.value, unique)
        }
        writer.vector(register.context, unique)
    }

    private static func read<Value>(
        from reader: inout BinaryReader, value: (inout BinaryReader, [ReplicaID]) throws(StateEncodingError) -> Value
    ) throws(StateEncodingError) -> Register<Value> {
        guard try reader.byte() == formatByte else { throw .notBinary }
        let count = try reader.count()
        var replicas: [ReplicaID] = []
        replicas.reserveCapacity(count)
        for _ in 0..<count {
            guard let replica = ReplicaID(rawValue: try reader.text()) else { throw .badReplica }
            replicas.append(replica)
        }
        let siblingCount = try reader.count()
        var siblings: [Sibling<Value>] = []
        siblings.reserveCapacity(siblingCount)
        for _ in 0..<siblingCount {
            let replica = try reader.replica(replicas)
            let counter = try reader.varint()
            guard counter > 0 else { throw .zeroCounter }
            guard counter <= Dot.maximumCounter else { throw .counterOutOfRange }
            let at = Timestamp(rawValue: try reader.zigzag())
            siblings.append(Sibling(dot: Dot(replica: replica, counter: counter), value: try value(&reader, replicas), at: at))
        }
        let context = try reader.vector(replicas)
        do {
            return try Register(siblings: siblings, context: context)
        } catch {
            throw .inconsistent(error)
        }
    }
}

/// Why stored register bytes could not be read.
public enum StateEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    case notBinary
    case truncated
    case overlong
    case badTag(UInt8)
    case badReplica
    case badRecord
    case badText
    case zeroCounter
    case counterOutOfRange
    case trailingBytes
    case inconsistent(RegisterError)

    public var description: String {
        switch self {
        case .notBinary: "the register does not start with the binary format byte"
        case .truncated: "the register's bytes end too early"
        case .overlong: "a number in the register is too long"
        case .badTag(let tag): "unknown value tag \(tag) in the register"
        case .badReplica: "a replica in the register is missing or not a replica id"
        case .badRecord: "a record's kind or id is not valid"
        case .badText: "a text in the register is not UTF-8"
        case .zeroCounter: "a dot in the register has counter 0"
        case .counterOutOfRange: "a counter in the register is above \(Dot.maximumCounter)"
        case .trailingBytes: "bytes follow the end of the register"
        case .inconsistent(let error): "the register is inconsistent: \(error)"
        }
    }
}

