import Foundation
import KAMProtocol

/// A row of the `field_states` table both stores kept before one record took
/// one row: one register of one record, named by its field (`@existence` for
/// the deletion register), in `StateEncoding`'s binary form or JSON. Only the
/// migrations read these.
public enum LegacyFieldState {
    /// The row name the deletion register was kept under.
    public static let existenceField = "@existence"

    /// The record state holding just the register of one such row.
    public static func part(kind: RecordKind, id: RecordID, field: String, data: Data) throws -> RecordState {
        if field == existenceField {
            return RecordState(kind: kind, id: id, fields: [:], existence: try StateEncoding.readExistence(data))
        }
        return RecordState(kind: kind, id: id, fields: [field: try StateEncoding.readField(data)])
    }
}
