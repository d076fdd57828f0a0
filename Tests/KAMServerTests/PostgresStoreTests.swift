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
        let stores = try await TestDatabases.postgresStores(count: 2, migrated: false)
        #expect(try await stores[0].appliedMigrations() == [])
        async let first: Void = stores[0].migrate()
        async let second: Void = stores[1].migrate()
        _ = try await (first, second)
        #expect(try await stores[1].appliedMigrations() == PostgresStore.migrationNames)
        try await stores[1].migrate()
        #expect(try await stores[0].appliedMigrations() == PostgresStore.migrationNames)
        // The schema works: a user added through one pool signs in through the other.
        let service = SyncService(storage: stores[0])
        let token = try await service.addUser(name: "li", role: .rep)
        #expect(try await SyncService(storage: stores[1]).authenticate(token: token)?.name == "li")
    }

    @Test("the same name added through two processes at once: one adds it, the other is told it exists",
          .enabled(if: TestDatabases.postgresURL != nil))
    func sameUserTwice() async throws {
        let stores = try await TestDatabases.postgresStores(count: 2)
        let results = await withTaskGroup(of: Result<String, any Error>.self) { group in
            for store in stores {
                group.addTask {
                    do { return .success(try await SyncService(storage: store).addUser(name: "li", role: .rep)) } catch { return .failure(error) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { (try? $0.get()) != nil }.count == 1)
        #expect(results.contains { if case .failure(let error) = $0 { error as? UserError == .exists("li") } else { false } })
    }

    @Test("sslmode=require connects over TLS, sslmode=disable in the clear", .enabled(if: TestDatabases.postgresTLS))
    func tls() async throws {
        let base = try #require(TestDatabases.postgresURL)
        #expect(try await TestDatabases.connectionEncrypted(base + "?sslmode=require"))
        #expect(try await !TestDatabases.connectionEncrypted(base + "?sslmode=disable"))
    }

    @Test("an explicit --data-dir beats KAM_DATABASE_URL; --database and --data-dir together are refused")
    func locations() throws {
        let environment = ["KAM_DATABASE_URL": "postgres://kam@db/kam", "HOME": "/home/li"]
        guard case .embedded(let folder) = try StorageLocation.resolve(database: nil, dataDirectory: "/srv/kam", environment: environment) else {
            Issue.record("--data-dir did not win")
            return
        }
        #expect(folder.path == "/srv/kam")
        guard case .postgres(let url) = try StorageLocation.resolve(database: nil, dataDirectory: nil, environment: environment) else {
            Issue.record("KAM_DATABASE_URL was not used")
            return
        }
        #expect(url.host == "db")
        #expect(throws: BothLocations.self) {
            try StorageLocation.resolve(database: "postgres://kam@db/kam", dataDirectory: "/srv/kam", environment: [:])
        }
    }
}
