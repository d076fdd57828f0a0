import Foundation
import GRDB
import KAMProtocol
@testable import KAMServer
import KAMServerTestSupport
import Testing

/// `kam-server migrate` below the command: the copy from the embedded store.
@Suite("Moving a team to PostgreSQL")
struct EmbeddedToPostgresTests {
    @Test("copied a few rows at a time, every table arrives whole: the same pages, the same tokens, and pushes go on",
          .enabled(if: TestDatabases.postgresURL != nil))
    func copiedInBatches() async throws {
        let source = try SQLiteStore.inMemory()
        let fixture = try await StoreFixture(source)
        var zhao = try await fixture.laptop("zhao", replica: "zhao-laptop")
        var cursor: UInt64 = 0
        let accounts = (1...7).map { zhao.create(account("客户 \($0)", owner: $0.isMultiple(of: 2) ? "li" : "wang")) }
        for account in accounts { zhao.create(Contact(account: account, name: "联系人")) }
        _ = try await fixture.sync(&zhao, cursor: &cursor)
        // An owner change and a removal, so those tables hold rows too.
        zhao.write(accounts[0], "owner", .text("li"))
        zhao.delete(accounts[1])
        _ = try await fixture.sync(&zhao, cursor: &cursor)

        let target = try await TestDatabases.postgresStores(count: 1, migrated: false)[0]
        // Batches of two: most tables end in a part batch, and some in none.
        let report = try await EmbeddedToPostgres.copy(from: source, to: target, batchRows: 2)
        for table in EmbeddedToPostgres.tables {
            let held = try await source.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0 }
            #expect(report.rows(of: table.name) == held, "\(table.name)")
        }
        #expect(report.rows(of: "records") == 14 && report.rows(of: "owner_changes") > 0 && report.rows(of: "removals") > 0)

        let moved = SyncService(storage: target)
        for name in ["li", "wang", "zhao"] {
            let user = try #require(try await moved.authenticate(token: fixture.tokens[name]!), "\(name)'s token moved")
            let before = try await fixture.store.pull(since: 0, limit: 1_000, for: user)
            let after = try await moved.pull(since: 0, limit: 1_000, for: user)
            #expect(after == before, "\(name) pulls the same page from the moved store")
        }
        zhao.write(accounts[2], "region", .text("华南"))
        let ack = try await moved.push(zhao.pushRequest(), by: fixture.users["zhao"]!)
        #expect(ack.refused.isEmpty && ack.sequence > cursor, "new changes continue after the copied sequence")
        await #expect(throws: EmbeddedToPostgres.TargetNotEmpty.self) {
            try await EmbeddedToPostgres.copy(from: source, to: target, batchRows: 2)
        }
    }
}
