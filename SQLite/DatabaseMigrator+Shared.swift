import GRDB

extension DatabaseMigrator {
    /// Migrates the database unless it is up to date, so a command that only
    /// reads never takes the write lock to find that out. Another process on
    /// the same file may migrate it while this one waits for the lock (GRDB
    /// reads which migrations ran before it takes it, and would run them
    /// again): when this one then fails, the database is checked again, and a
    /// fully migrated one is taken as it is. Returns whether this call migrated it.
    @discardableResult
    public func migrateSharingFile(_ writer: any DatabaseWriter) throws -> Bool {
        guard try writer.read({ db in try !hasCompletedMigrations(db) }) else { return false }
        do {
            try migrate(writer)
            return true
        } catch {
            guard try writer.read({ db in try hasCompletedMigrations(db) }) else { throw error }
            return false
        }
    }
}
