import GRDB

extension DatabaseMigrator {
    /// Migrates the database unless it is up to date, so a command that only
    /// reads never takes the write lock to find that out. Another process on
    /// the same file may migrate it while this one waits for the lock (GRDB
    /// reads which migrations ran before it takes it, and would run them
    /// again): when this one then fails, the database is checked again, and a
    /// fully migrated one is taken as it is.
    public func migrateSharingFile(_ writer: any DatabaseWriter) throws {
        guard try writer.read({ db in try !hasCompletedMigrations(db) }) else { return }
        do {
            try migrate(writer)
        } catch {
            guard try writer.read({ db in try hasCompletedMigrations(db) }) else { throw error }
        }
    }
}
