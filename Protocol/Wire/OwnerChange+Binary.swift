import Foundation

extension OwnerChange {
    /// One account's owner changes in a compact binary form, as a laptop keeps
    /// them in the account's row: `c (at by k from × k  l to × l) × c`, with
    /// `at` a zigzag varint of milliseconds (the account is the row's).
    public static func encodeHistory(_ changes: [OwnerChange]) -> Data {
        var writer = BinaryWriter()
        writer.varint(UInt64(changes.count))
        for change in changes {
            writer.zigzag(change.at.rawValue)
            writer.text(change.by)
            writer.texts(change.from)
            writer.texts(change.to)
        }
        return Data(writer.bytes)
    }

    /// The owner changes of `account` from ``encodeHistory(_:)``'s bytes.
    public static func decodeHistory(_ data: Data, account: RecordID) throws(StateEncodingError) -> [OwnerChange] {
        var reader = BinaryReader(bytes: [UInt8](data))
        var changes: [OwnerChange] = []
        for _ in 0..<(try reader.count()) {
            let at = Timestamp(rawValue: try reader.zigzag())
            changes.append(OwnerChange(account: account, at: at, by: try reader.text(), from: try reader.texts(), to: try reader.texts()))
        }
        guard reader.atEnd else { throw .trailingBytes }
        return changes
    }
}
