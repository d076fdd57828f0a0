import Foundation
import GRDB
import KAMProtocol

extension SQLiteStore {
    /// The statement reading a page of the feed of `scope`, `gap` changes behind.
    ///
    /// Two plans, chosen by which reads fewer rows. Feed first (INDEXED BY keeps
    /// the sequence index the outer loop): a page walks the changes from the
    /// cursor, skipping other users' until it has `limit` rows; right for a
    /// bootstrap or a small gap. Accounts first: the user's own records, sorted;
    /// right for a rep with a few accounts on a busy server, where walking the
    /// feed would mostly read other reps' changes. Left to itself SQLite always
    /// takes the second, which made a large territory's bootstrap quadratic.
    static func feedQuery(_ db: Database, scope: AccessScope, gap: UInt64) throws -> String {
        let columns = "SELECT r.id, r.kind, r.state, r.seq"
        let page = "WHERE r.seq > :since ORDER BY r.seq LIMIT :limit"
        guard case .accessRows(let user) = scope else {
            return "\(columns) FROM records r INDEXED BY records_seq \(page)"
        }
        // An account comes with a few records (contacts, activities, share
        // records). The count stops at the bound, so a rep with a large
        // territory and a small gap pays for the gap, not the territory.
        let bound = gap / 4
        let accounts = bound == 0 ? 0 : try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM (SELECT 1 FROM account_access WHERE user_name = ? LIMIT ?)"),
            arguments: [user, Int64(min(bound, UInt64(Int64.max)))]) ?? 0
        // A record is in scope when the user holds any account it names (more
        // than one only while its account is in conflict).
        if UInt64(accounts) < bound {
            return """
                \(columns) FROM account_access aa
                JOIN record_accounts ra ON ra.account_id = aa.account_id JOIN records r ON r.id = ra.record_id
                WHERE aa.user_name = :user AND r.seq > :since
                GROUP BY r.seq ORDER BY r.seq LIMIT :limit
                """
        }
        return """
            \(columns) FROM records r INDEXED BY records_seq
            WHERE r.seq > :since AND EXISTS (
                SELECT 1 FROM record_accounts ra JOIN account_access aa ON aa.account_id = ra.account_id AND aa.user_name = :user
                WHERE ra.record_id = r.id)
            ORDER BY r.seq LIMIT :limit
            """
    }
}
