import Foundation
import GRDB
import KAMProtocol

extension SQLiteStore {
    /// The statement reading a page of the feed of `scope`, `gap` changes behind.
    ///
    /// Two plans, chosen by which reads fewer rows. Feed first (CROSS JOIN keeps
    /// the sequence index the outer loop): a page walks the changes from the
    /// cursor, skipping other users' until it has `limit` rows; right for a
    /// bootstrap or a small gap. Accounts first: the user's own records, sorted;
    /// right for a rep with a few accounts on a busy server, where walking the
    /// feed would mostly read other reps' changes. Left to itself SQLite always
    /// takes the second, which made a large territory's bootstrap quadratic.
    static func feedQuery(_ db: Database, scope: AccessScope, gap: UInt64) throws -> String {
        let columns = "SELECT fs.record_id, fs.field, fs.state, fs.seq, r.kind"
        let page = "WHERE fs.seq > :since ORDER BY fs.seq LIMIT :limit"
        guard case .accessRows(let user) = scope else {
            return "\(columns) FROM field_states fs CROSS JOIN records r ON r.id = fs.record_id \(page)"
        }
        // An account with its contacts, activities and history has a few dozen
        // field states. The count stops at the bound, so a rep with a large
        // territory and a small gap pays for the gap, not the territory.
        let bound = gap / 32
        let accounts = bound == 0 ? 0 : try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM (SELECT 1 FROM account_access WHERE user_name = ? LIMIT ?)"),
            arguments: [user, Int64(min(bound, UInt64(Int64.max)))]) ?? 0
        // A record is in scope when the user holds any account it names (more
        // than one only while its account is in conflict).
        if UInt64(accounts) < bound {
            return """
                \(columns) FROM account_access aa
                JOIN record_accounts ra ON ra.account_id = aa.account_id JOIN records r ON r.id = ra.record_id
                JOIN field_states fs ON fs.record_id = r.id WHERE aa.user_name = :user AND fs.seq > :since
                GROUP BY fs.seq ORDER BY fs.seq LIMIT :limit
                """
        }
        return """
            \(columns) FROM field_states fs CROSS JOIN records r ON r.id = fs.record_id
            WHERE fs.seq > :since AND EXISTS (
                SELECT 1 FROM record_accounts ra JOIN account_access aa ON aa.account_id = ra.account_id AND aa.user_name = :user
                WHERE ra.record_id = fs.record_id)
            ORDER BY fs.seq LIMIT :limit
            """
    }
}
