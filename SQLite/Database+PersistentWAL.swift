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
    /// a store may empty it itself after a large write. Because nothing is
    /// copied at exit, a store that keeps its WAL files must commit with
    /// `synchronous = FULL` for a commit to be durable when it returns.
    public func keepWALFiles() throws {
        var flag: CInt = 1
        let code = sqlite3_file_control(sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &flag)
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
        // An SQLite too old for this setting copies the WAL back at exit, as before: slower, never wrong.
        _ = kam_sqlite3_no_checkpoint_on_close(sqliteConnection)
    }
}
