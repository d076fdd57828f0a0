import Foundation
import GRDB
import KAMProtocol
import KAMSQLite

extension ReplicaStore {
    /// What the `v5-record-rows` migration writes, in the layout that step
    /// leaves: kinds by name and records with their format byte, which
    /// `v6-compact-rows` then converts. A migration must not write through
    /// code that follows the current layout, which may differ from its own
    /// step's. (The owner history is written in the current form: kam reads
    /// both, and v6 leaves it as it is.)
    enum RecordRowsMigration {
        /// Writes the record's row in the v5 layout.
        static func storeRow(_ db: Database, _ state: RecordState, numbers: ReplicaNumbers) throws {
            let index = RecordIndex(state)
            let columns = ColumnValues(index)
            try db.cachedStatement(
                sql: """
                    INSERT INTO records (id, kind, account_id, visible, needs_resolution, name, industry, region, owner, tier, stage, share, notes, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, visible = excluded.visible,
                        needs_resolution = excluded.needs_resolution, name = excluded.name, industry = excluded.industry,
                        region = excluded.region, owner = excluded.owner, tier = excluded.tier, stage = excluded.stage,
                        share = excluded.share, notes = excluded.notes, state = excluded.state
                    """
            ).execute(arguments: [
                state.id.rawValue, state.kind.rawValue, columns.account, index.visible, index.needsResolution, columns.name,
                columns.industry, columns.region, columns.owner, columns.tier, columns.stage, columns.share, columns.notes,
                try numbers.encode(state, outside: columns.byField, withFormatByte: true, db),
            ])
        }

        /// Moves owner changes into their accounts' rows in the v5 layout (a
        /// change listed twice is kept once), or into `owner_changes_waiting`
        /// for an account not on the laptop.
        static func storeOwnerChanges(_ changes: [OwnerChange], _ db: Database) throws {
            var order: [RecordID] = []
            var byAccount: [RecordID: [OwnerChange]] = [:]
            for change in changes {
                if byAccount[change.account] == nil { order.append(change.account) }
                if !byAccount[change.account, default: []].contains(change) { byAccount[change.account, default: []].append(change) }
            }
            for account in order {
                let data = OwnerChange.encodeHistory(byAccount[account]!)
                try db.execute(sql: "UPDATE records SET owners = ? WHERE id = ? AND kind = 'account'", arguments: [data, account.rawValue])
                if db.changesCount == 0 {
                    try db.execute(
                        sql: "INSERT INTO owner_changes_waiting (account_id, changes) VALUES (?, ?)", arguments: [account.rawValue, data])
                }
            }
        }
    }
}
