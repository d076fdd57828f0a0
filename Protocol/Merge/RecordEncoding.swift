import Foundation

/// The compact binary form of a whole record, as both stores keep it: one
/// row per record instead of one per field.
///
/// Replica ids are not spelled: each store numbers the replicas it has seen
/// once (a table of its own) and the record holds those numbers. Counters and
/// times are written as differences from the previous sibling's, since the
/// fields of one edit share a time and take consecutive counters. A register
/// whose context is exactly its one sibling's dot (what every register is
/// right after a write) is written without its context.
///
/// ```
/// 0xB2                                     format 2
/// mask                                     varint: bit 0 the deletion register,
///                                          bit 1 fields outside the schema, by name,
///                                          bit i+2 the kind's i-th field
/// [k (name) × k]                           those other fields' names, sorted
/// register × (bits set)                    deletion, schema order, then by name
///
/// register:
///   0  s (sibling × s) v (replica counter) × v      general form
///   1+t sibling-without-its-tag                      one sibling, context its dot
///   4   sibling-without-value                        the same, its value kept outside
///   5+t value                                        one sibling of the previous sibling's
///                                                    edit (same replica and time), next counter
///   9+t Δcounter value                               the same with another counter
///                                                    (t = 3, i.e. 8 and 12: value outside)
/// sibling: replica Δcounter Δtime value
/// ```
///
/// `replica` is the store's number for the replica; `Δcounter` and `Δtime`
/// are zigzag varints from the previous sibling in the record (from 0 for
/// the first); the context's counters are written whole. A field value is
/// `0` null, `1 zigzag` integer, `2 length bytes` text; in the one-sibling
/// form its tag is folded into the register's (`1+t`). A deletion value is
/// `0` live or `1 vector` deleted, with what it had seen.
///
/// Decoding checks what `Register.init(siblings:context:)` checks, so damaged
/// bytes are an error, never a wrong state. The form is lossless: every
/// register keeps its own context, so a record decodes to exactly the state
/// that was encoded, whatever part of it travelled (docs/PROTOCOL.md).
public enum RecordEncoding {
    /// The first byte of a record in this form.
    public static let formatByte: UInt8 = 0xB2

    /// Whether `data` holds a record in this form.
    public static func isRecord(_ data: Data) -> Bool { data.first == formatByte }

    /// The record's bytes, numbering replicas with `number`.
    ///
    /// A store that keeps some current values in columns of the same row passes
    /// them as `outside`: a field whose one sibling holds exactly that value is
    /// written without it (tag `4`), and ``decode(_:kind:id:outside:replica:)``
    /// must be given the same values back. A store whose layout says what its
    /// rows hold may leave out the format byte (`withFormatByte: false`) and
    /// must then read them the same way.
    public static func encode(
        _ state: RecordState, outside: [String: FieldValue] = [:], withFormatByte: Bool = true,
        number: (ReplicaID) throws -> UInt64
    ) rethrows -> Data {
        var writer = BinaryWriter()
        var previous = Previous()
        let schema = state.kind.schema.fields
        let hasExistence = !state.existence.context.isEmpty || !state.existence.siblings.isEmpty
        var mask: UInt64 = hasExistence ? 1 : 0
        var others: [String] = []
        var known = 0
        for (index, spec) in schema.enumerated() where state.fields[spec.name] != nil {
            mask |= 1 << UInt64(index + 2)
            known += 1
        }
        if known < state.fields.count {
            others = state.fields.keys.filter { name in !schema.contains { $0.name == name } }.sorted()
            mask |= byNameBit
        }
        if withFormatByte { writer.byte(formatByte) }
        writer.varint(mask)
        if !others.isEmpty { writer.texts(others) }
        if hasExistence { try write(state.existence, previous: &previous, number: number, into: &writer) }
        for spec in schema {
            guard let register = state.fields[spec.name] else { continue }
            try write(register, outside: outside[spec.name], previous: &previous, number: number, into: &writer)
        }
        for name in others { try write(state.fields[name]!, previous: &previous, number: number, into: &writer) }
        return Data(writer.bytes)
    }

    /// The record `kind` `id` from its bytes, naming replicas with `replica`
    /// (which throws for a number the store never gave).
    public static func decode(
        _ data: Data, kind: RecordKind, id: RecordID, outside: [String: FieldValue] = [:], withFormatByte: Bool = true,
        replica: (UInt64) throws -> ReplicaID
    ) throws -> RecordState {
        var reader = BinaryReader(bytes: [UInt8](data))
        if withFormatByte { guard try reader.byte() == formatByte else { throw StateEncodingError.notBinary } }
        let schema = kind.schema.fields
        let mask = try reader.varint()
        // A field past the end of this release's schema (a newer kam's) is an error, never another field.
        guard mask >> UInt64(schema.count + 2) == 0 else { throw StateEncodingError.badRecord }
        var others: [String] = []
        if mask & byNameBit != 0 {
            others = try reader.texts()
            // Strictly increasing: sorted, each name once.
            guard !others.isEmpty, zip(others, others.dropFirst()).allSatisfy({ $0 < $1 }),
                !others.contains(where: { name in schema.contains { $0.name == name } })
            else { throw StateEncodingError.badRecord }
        }
        var previous = Previous()
        var existence = Register<Existence>()
        if mask & 1 != 0 { existence = try read(from: &reader, previous: &previous, replica: replica) }
        var fields: [String: Register<FieldValue>] = [:]
        fields.reserveCapacity(schema.count)
        for (index, spec) in schema.enumerated() where mask & (1 << UInt64(index + 2)) != 0 {
            fields[spec.name] = try read(from: &reader, outside: outside[spec.name], previous: &previous, replica: replica)
        }
        for name in others { fields[name] = try read(from: &reader, previous: &previous, replica: replica) }
        guard reader.atEnd else { throw StateEncodingError.trailingBytes }
        return RecordState(kind: kind, id: id, fields: fields, existence: existence)
    }

    /// The register tag of a one-sibling register whose value the row keeps outside the record.
    static let outsideTag: UInt8 = 4

    /// The replica numbers `data` (a record of `kind` in this form) uses, in
    /// the order they appear: what a page must name beside the record's bytes.
    /// It walks the bytes without building the record. A record that keeps
    /// values outside (tag `4`) is refused: such bytes never leave their store.
    public static func replicaNumbers(in data: Data, kind: RecordKind) throws -> [UInt64] {
        var reader = BinaryReader(bytes: [UInt8](data))
        guard try reader.byte() == formatByte else { throw StateEncodingError.notBinary }
        let fieldCount = kind.schema.fields.count
        let mask = try reader.varint()
        guard mask >> UInt64(fieldCount + 2) == 0 else { throw StateEncodingError.badRecord }
        var registers = (mask & ~byNameBit).nonzeroBitCount
        if mask & byNameBit != 0 { registers += try reader.texts().count }
        var numbers: [UInt64] = []
        var hasPrevious = false
        func vector() throws {
            for _ in 0..<(try reader.count()) {
                numbers.append(try reader.varint())
                _ = try reader.varint()
            }
        }
        func value(tag: UInt8, existence: Bool) throws {
            switch (tag, existence) {
            case (0, _): break
            case (1, false): _ = try reader.zigzag()
            case (2, false): _ = try reader.text()
            case (1, true): try vector()
            default: throw StateEncodingError.badTag(tag)
            }
        }
        for index in 0..<registers {
            let existence = index == 0 && mask & 1 != 0
            let tag = try reader.byte()
            if tag >= nextTag {
                // The previous sibling's replica: already listed.
                guard hasPrevious, tag < sameEditTag + 4 else { throw StateEncodingError.badRecord }
                if tag >= sameEditTag { _ = try reader.zigzag() }
                try value(tag: tag - (tag >= sameEditTag ? sameEditTag : nextTag), existence: existence)
                continue
            }
            let siblings = tag == 0 ? try reader.count() : 1
            for _ in 0..<siblings {
                numbers.append(try reader.varint())
                _ = try reader.zigzag()
                _ = try reader.zigzag()
                hasPrevious = true
                try value(tag: tag == 0 ? try reader.byte() : tag - 1, existence: existence)
            }
            if tag == 0 { try vector() }
        }
        guard reader.atEnd else { throw StateEncodingError.trailingBytes }
        return numbers
    }

    /// The mask bit saying fields outside the schema follow, by name.
    static let byNameBit: UInt64 = 2

    /// The sibling written before, which the next one is written against.
    private struct Previous {
        var replica: ReplicaID?
        var counter: UInt64 = 0
        var time: Int64 = 0

        /// Whether `sibling` is a write of the same edit: same replica, same time.
        func sameEdit<Value>(_ sibling: Sibling<Value>) -> Bool {
            replica == sibling.dot.replica && sibling.at.rawValue == time
        }
    }

    /// The register tag of a one-sibling register written by the previous
    /// sibling's edit with the next counter, plus its value's tag (8: the value kept outside).
    static let nextTag: UInt8 = 5
    /// The same for a write of that edit with another counter: the difference follows (12: value outside).
    static let sameEditTag: UInt8 = 9

    private static func write<Value: RecordValueCoding>(
        _ register: Register<Value>, outside: Value? = nil, previous: inout Previous, number: (ReplicaID) throws -> UInt64,
        into writer: inout BinaryWriter
    ) rethrows {
        if register.siblings.count == 1, register.context == VersionVector(register.siblings[0].dot) {
            // The one-sibling form: the value's tag rides on the register's, or the value is kept outside.
            let sibling = register.siblings[0]
            let kept = sibling.value == outside
            if previous.sameEdit(sibling) {
                // Another write of the same edit: the tag says it, and the counter's difference unless it is the next one.
                let next = previous.counter < Dot.maximumCounter && sibling.dot.counter == previous.counter + 1
                let base = next ? nextTag : sameEditTag
                writer.byte(base + (kept ? 3 : sibling.value.tag))
                if !next { writer.zigzag(Int64(bitPattern: sibling.dot.counter &- previous.counter)) }
                previous.counter = sibling.dot.counter
            } else {
                writer.byte(kept ? outsideTag : 1 + sibling.value.tag)
                try self.sibling(sibling, previous: &previous, number: number, into: &writer)
            }
            if !kept { try sibling.value.writeBody(into: &writer, number: number) }
            return
        }
        writer.byte(0)
        writer.varint(UInt64(register.siblings.count))
        for sibling in register.siblings {
            try self.sibling(sibling, previous: &previous, number: number, into: &writer)
            writer.byte(sibling.value.tag)
            try sibling.value.writeBody(into: &writer, number: number)
        }
        try vector(register.context, number: number, into: &writer)
    }

    private static func sibling<Value>(
        _ sibling: Sibling<Value>, previous: inout Previous, number: (ReplicaID) throws -> UInt64, into writer: inout BinaryWriter
    ) rethrows {
        writer.varint(try number(sibling.dot.replica))
        writer.zigzag(Int64(bitPattern: sibling.dot.counter &- previous.counter))
        writer.zigzag(sibling.at.rawValue &- previous.time)
        previous = Previous(replica: sibling.dot.replica, counter: sibling.dot.counter, time: sibling.at.rawValue)
    }

    fileprivate static func vector(_ vector: VersionVector, number: (ReplicaID) throws -> UInt64, into writer: inout BinaryWriter) rethrows {
        var entries: [(UInt64, UInt64)] = []
        entries.reserveCapacity(vector.count)
        for (replica, counter) in vector.sortedCounters { entries.append((try number(replica), counter)) }
        entries.sort { $0.0 < $1.0 }
        writer.varint(UInt64(entries.count))
        for (replica, counter) in entries {
            writer.varint(replica)
            writer.varint(counter)
        }
    }

    private static func read<Value: RecordValueCoding>(
        from reader: inout BinaryReader, outside: Value? = nil, previous: inout Previous, replica: (UInt64) throws -> ReplicaID
    ) throws -> Register<Value> {
        let tag = try reader.byte()
        if tag > 0 {
            let dot: (dot: Dot, at: Timestamp)
            let base: UInt8
            if tag >= nextTag {
                guard tag < sameEditTag + 4, let who = previous.replica else { throw StateEncodingError.badRecord }
                base = tag >= sameEditTag ? sameEditTag : nextTag
                let counter = base == nextTag ? previous.counter &+ 1 : previous.counter &+ UInt64(bitPattern: try reader.zigzag())
                guard counter > 0 else { throw StateEncodingError.zeroCounter }
                guard counter <= Dot.maximumCounter else { throw StateEncodingError.counterOutOfRange }
                previous.counter = counter
                dot = (Dot(replica: who, counter: counter), Timestamp(rawValue: previous.time))
            } else {
                base = 1
                dot = try readSibling(from: &reader, previous: &previous, replica: replica)
            }
            let value: Value
            if tag - base == 3 {
                guard let outside else { throw StateEncodingError.badRecord }
                value = outside
            } else {
                value = try Value.readBody(tag: tag - base, from: &reader, replica: replica)
            }
            return try checked([Sibling(dot: dot.dot, value: value, at: dot.at)], context: VersionVector(dot.dot))
        }
        let count = try reader.count()
        var siblings: [Sibling<Value>] = []
        siblings.reserveCapacity(count)
        for _ in 0..<count {
            let dot = try readSibling(from: &reader, previous: &previous, replica: replica)
            let value = try Value.readBody(tag: try reader.byte(), from: &reader, replica: replica)
            siblings.append(Sibling(dot: dot.dot, value: value, at: dot.at))
        }
        return try checked(siblings, context: try vector(from: &reader, replica: replica))
    }

    private static func checked<Value>(_ siblings: [Sibling<Value>], context: VersionVector) throws -> Register<Value> {
        do {
            return try Register(siblings: siblings, context: context)
        } catch {
            throw StateEncodingError.inconsistent(error)
        }
    }

    private static func readSibling(
        from reader: inout BinaryReader, previous: inout Previous, replica: (UInt64) throws -> ReplicaID
    ) throws -> (dot: Dot, at: Timestamp) {
        let who = try replica(try reader.varint())
        let counter = previous.counter &+ UInt64(bitPattern: try reader.zigzag())
        guard counter > 0 else { throw StateEncodingError.zeroCounter }
        guard counter <= Dot.maximumCounter else { throw StateEncodingError.counterOutOfRange }
        let time = previous.time &+ (try reader.zigzag())
        previous = Previous(replica: who, counter: counter, time: time)
        return (Dot(replica: who, counter: counter), Timestamp(rawValue: time))
    }

    fileprivate static func vector(from reader: inout BinaryReader, replica: (UInt64) throws -> ReplicaID) throws -> VersionVector {
        let count = try reader.count()
        var counters: [ReplicaID: UInt64] = [:]
        counters.reserveCapacity(count)
        for _ in 0..<count {
            let who = try replica(try reader.varint())
            let counter = try reader.varint()
            guard counter > 0 else { throw StateEncodingError.zeroCounter }
            guard counter <= Dot.maximumCounter else { throw StateEncodingError.counterOutOfRange }
            guard counters.updateValue(counter, forKey: who) == nil else { throw StateEncodingError.badReplica }
        }
        return VersionVector(counters)
    }
}

/// A register value as a record writes it: a tag, then a body.
protocol RecordValueCoding: Hashable, Sendable {
    var tag: UInt8 { get }
    func writeBody(into writer: inout BinaryWriter, number: (ReplicaID) throws -> UInt64) rethrows
    static func readBody(tag: UInt8, from reader: inout BinaryReader, replica: (UInt64) throws -> ReplicaID) throws -> Self
}

extension FieldValue: RecordValueCoding {
    var tag: UInt8 {
        switch self {
        case .null: 0
        case .integer: 1
        case .text: 2
        }
    }

    func writeBody(into writer: inout BinaryWriter, number: (ReplicaID) throws -> UInt64) rethrows {
        switch self {
        case .null: break
        case .integer(let value): writer.zigzag(value)
        case .text(let text): writer.text(text)
        }
    }

    static func readBody(tag: UInt8, from reader: inout BinaryReader, replica: (UInt64) throws -> ReplicaID) throws -> FieldValue {
        switch tag {
        case 0: .null
        case 1: .integer(try reader.zigzag())
        case 2: .text(try reader.text())
        default: throw StateEncodingError.badTag(tag)
        }
    }
}

extension Existence: RecordValueCoding {
    var tag: UInt8 { isDeleted ? 1 : 0 }

    func writeBody(into writer: inout BinaryWriter, number: (ReplicaID) throws -> UInt64) rethrows {
        if case .deleted(let seen) = self { try RecordEncoding.vector(seen, number: number, into: &writer) }
    }

    static func readBody(tag: UInt8, from reader: inout BinaryReader, replica: (UInt64) throws -> ReplicaID) throws -> Existence {
        switch tag {
        case 0: .live
        case 1: .deleted(seen: try RecordEncoding.vector(from: &reader, replica: replica))
        default: throw StateEncodingError.badTag(tag)
        }
    }
}
