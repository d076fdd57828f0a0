import CSQLiteConfig
import GRDB
import GRDBSQLite

extension Database {
    /// Keeps the `-wal` and `-shm` files when the last connection closes
    /// (SQLite's persistent WAL mode, as GRDB's guide to sharing a database
    /// advises), and leaves the WAL as it is then instead of copying it into
    /// the database.
    ///
    /// A `DatabasePool` that finds no WAL file, or an empty one, makes one by
    /// writing a transaction as it opens. Without the persistent mode every
    /// process that opens the file, a command that only reads included, would
    /// write and sync the file and take the write lock to do it, waiting
    /// behind a sync that holds it. A process that opens the file reads the
    /// WAL's frames afresh, and without the second setting the last one to
    /// close would copy them into the database again and sync it. Writers
    /// still copy a WAL that has grown past SQLite's auto-checkpoint size, and
    /// a store may empty it itself after a large write.
    public func keepWALFiles() throws {
        var flag: CInt = 1
        var code = sqlite3_file_control(sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &flag)
        if code == SQLITE_OK { code = kam_sqlite3_no_checkpoint_on_close(sqliteConnection) }
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
    }
}
