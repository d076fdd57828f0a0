import GRDB
import GRDBSQLite

extension Database {
    /// Keeps the `-wal` and `-shm` files when the last connection closes
    /// (SQLite's persistent WAL mode, as GRDB's guide to sharing a database
    /// advises).
    ///
    /// A `DatabasePool` that finds no WAL file, or an empty one, makes one by
    /// writing a transaction as it opens. Without this mode every process
    /// that opens the file, a command that only reads included, would write
    /// and sync the file and take the write lock to do it, waiting behind a
    /// sync that holds it.
    public func keepWALFiles() throws {
        var flag: CInt = 1
        let code = sqlite3_file_control(sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &flag)
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
    }
}
