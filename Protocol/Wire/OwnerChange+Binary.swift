import Foundation

extension OwnerChange {
    /// One account's owner changes in a compact binary form, as a laptop keeps
    /// them in the account's row (the account is the row's):
    ///
    /// ```
    /// 0x00 (at by k [from × (k - 1)  l to × l]) × c
    /// ```
    ///
    /// The changes run to the end of the bytes; `at` is a zigzag varint of
    /// milliseconds. `k = 0` is the account's
    /// creation, from no owner to `by` alone: the one change most accounts
    /// have, written without its lists. The leading zero tells this form from
    /// the one before it, `c (at by k from × k  l to × l) × c` with `c ≥ 1`,
    /// which ``decodeHistory(_:account:)`` still reads.
    public static func encodeHistory(_ changes: [OwnerChange]) -> Data {
        var writer = BinaryWriter()
        writer.byte(0)
        for change in changes {
            writer.zigzag(change.at.rawValue)
            writer.text(change.by)
            if change.from.isEmpty, change.to == [change.by] {
                writer.varint(0)
            } else {
                writer.varint(UInt64(change.from.count) + 1)
                for owner in change.from { writer.text(owner) }
                writer.texts(change.to)
            }
        }
        return Data(writer.bytes)
    }

    /// The owner changes of `account` from ``encodeHistory(_:)``'s bytes, or
    /// from the form before it.
    public static func decodeHistory(_ data: Data, account: RecordID) throws(StateEncodingError) -> [OwnerChange] {
        var reader = BinaryReader(bytes: [UInt8](data))
        var changes: [OwnerChange] = []
        if data.first == 0 {
            _ = try reader.byte()
            while !reader.atEnd {
                let at = Timestamp(rawValue: try reader.zigzag())
                let by = try reader.text()
                let k = try reader.count()
                if k == 0 {
                    changes.append(OwnerChange(account: account, at: at, by: by, from: [], to: [by]))
                    continue
                }
                var from: [String] = []
                for _ in 0..<(k - 1) { from.append(try reader.text()) }
                changes.append(OwnerChange(account: account, at: at, by: by, from: from, to: try reader.texts()))
            }
            return changes
        }
        for _ in 0..<(try reader.count()) {
            let at = Timestamp(rawValue: try reader.zigzag())
            changes.append(OwnerChange(account: account, at: at, by: try reader.text(), from: try reader.texts(), to: try reader.texts()))
        }
        guard reader.atEnd else { throw .trailingBytes }
        return changes
    }
}
