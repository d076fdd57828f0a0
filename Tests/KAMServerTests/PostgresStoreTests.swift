import Foundation
import KAMProtocol
import KAMServer
import KAMServerTestSupport
import Testing

@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test("make test runs the store tests on PostgreSQL as well as SQLite, and the load balancer test on nginx")
    func postgresWhenRequired() {
        if TestDatabases.postgresRequired {
            #expect(TestDatabases.postgresURL != nil, "KAM_REQUIRE_POSTGRES=1 but no KAM_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
            #expect(TestDatabases.nginx != nil, "KAM_REQUIRE_POSTGRES=1 but nginx is not installed: scripts/install-deps.sh nginx-light")
        }
    }

    @Test("a database address gives its user, password, host, port, database and TLS mode")
    func addresses() throws {
        let full = try PostgresDatabaseURL("postgres://kam:s%40cret@db.example.com:6432/kam?sslmode=require")
        #expect(full.user == "kam" && full.password == "s@cret" && full.host == "db.example.com" && full.port == 6432)
        #expect(full.database == "kam" && full.sslMode == .require)
        #expect(!full.description.contains("cret"), "the password never reaches a log")
        let plain = try PostgresDatabaseURL("postgresql://kam@localhost/kam")
        #expect(plain.port == 5432 && plain.password == nil && plain.sslMode == .prefer)
        let socket = try PostgresDatabaseURL("postgres://kam@/kam?host=/var/run/postgresql")
        #expect(socket.socketDirectory == "/var/run/postgresql")
    }

    @Test("an unusable address says what is wrong", arguments: [
        ("mysql://kam@host/kam", "postgres://"), ("postgres://host/kam", "no user"), ("postgres://kam@host/", "no database"),
        ("postgres://kam@host/kam?sslmode=sometimes", "sslmode=sometimes"), ("postgres://kam@host:0/kam", "port"),
    ])
    func badAddresses(_ text: String, _ says: String) {
        #expect {
            _ = try PostgresDatabaseURL(text)
        } throws: { error in
            "\(error)".contains(says)
        }
    }

    @Test("migrating twice, or from two processes at once, applies each step once", .enabled(if: TestDatabases.postgresURL != nil))
    func migrateTwice() async throws {
        let stores = try await TestDatabases.postgresStores(count: 2)
        async let first: Void = stores[0].migrate()
        async let second: Void = stores[1].migrate()
        _ = try await (first, second)
        #expect(try await stores[1].appliedMigrations() == PostgresStore.migrationNames)
    }
}
