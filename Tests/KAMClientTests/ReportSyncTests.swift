import Foundation
import Hummingbird
import HummingbirdTesting
import KAMClient
import KAMProtocol
import KAMServer
import Logging
import Testing

/// Each report gives the same answer from the server's API and from a laptop's
/// replica holding the same records.
@Suite("Reports on the server and on a laptop")
struct ReportSyncTests {
    @Test("after a sync, every report of a rep's laptop equals the server's answer to that rep; a manager's covers every account")
    func sameAnswers() async throws {
        try await SyncIntegrationTests.runLive { client, setup in
            let port = try #require(client.port)
            let (li, liSync) = try SyncIntegrationTests.laptop("li", port: port, setup: setup)
            let (zhao, zhaoSync) = try SyncIntegrationTests.laptop("zhao", port: port, setup: setup)
            // li's territory, and one account of wang's that li may not see.
            for n in 1...12 {
                let name = "客户 \(n)"
                try li.addAccount(Account(name: name, region: "华东", owner: "li", tier: n == 1 ? .gold : nil))
                try li.recordShare(name, period: try Period(parsing: "2026-Q2"), customerSpend: Money(minorUnits: 1_000_000), ourSales: Money(minorUnits: Int64(n) * 50_000))
                try li.recordShare(name, period: try Period(parsing: "2026-Q3"), customerSpend: Money(minorUnits: 1_000_000), ourSales: Money(minorUnits: Int64(n) * 40_000))
                if n % 3 == 0 { try li.addContact(name, name: "王芳 \(n)", role: .decisionMaker) }
                if n % 4 == 0 { try li.addContact(name, name: "李雷 \(n)", role: .user) }
                if n % 5 == 0 { try li.logActivity(name, kind: .complaint, note: "交货晚了 \(n)", date: try Day(parsing: "2026-11-0\(n / 5)")) }
            }
            _ = try li.changeStage("客户 2", to: .initial, share: nil, reason: nil)
            _ = try li.changeStage("客户 2", to: .development, share: nil, reason: "lost the tender")
            try zhao.addAccount(Account(name: "Wang's", owner: "wang"))
            try zhao.logActivity("Wang's", kind: .complaint, note: "not li's", date: try Day(parsing: "2026-11-10"))
            _ = try await liSync.sync()
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()

            func server<T: Decodable>(_ type: T.Type, _ path: String, as user: String) async throws -> T {
                let response = try await client.execute(
                    uri: path, method: .get, headers: [.authorization: "Bearer \(setup.tokens[user]!)"], body: nil)
                #expect(response.status == .ok, "\(path): \(String(buffer: response.body))")
                return try WireFormat.decoder().decode(T.self, from: Data(buffer: response.body))
            }
            let quarters = try PeriodRange(from: try Period(parsing: "2026-Q1"), to: try Period(parsing: "2026-Q4"))
            let always = try DayRange(from: try Day(parsing: "2000-01-01"), to: try Day(parsing: "2999-12-31"))
            for (laptop, user) in [(li, "li"), (zhao, "zhao")] {
                let data = try laptop.reportData()
                let pyramid = try await server(PyramidReport.self, "/v1/reports/pyramid?from=2026-Q1&to=2026-Q4", as: user)
                #expect(pyramid == PyramidReport(data, range: quarters))
                #expect(try await server(MovementReport.self, "/v1/reports/movements?from=2000-01-01&to=2999-12-31", as: user) == MovementReport(data, range: always))
                #expect(try await server(MovementReport.self, "/v1/reports/movements", as: user) == MovementReport(data, range: DayRange.quarterToDate(Day.today())))
                #expect(try await server(DecliningReport.self, "/v1/reports/declining", as: user) == DecliningReport(data))
                #expect(try await server(RiskReport.self, "/v1/reports/risks", as: user) == RiskReport(data))
                #expect(try await server(ComplaintReport.self, "/v1/reports/complaints", as: user) == ComplaintReport(data, range: try DayRange()))
            }
            // The answers hold what the data says, not just the same thing twice.
            let liPyramid = try await server(PyramidReport.self, "/v1/reports/pyramid?from=2026-Q1&to=2026-Q4", as: "li")
            #expect(liPyramid.accounts.count == 12 && liPyramid.accounts.first?.account.name == "客户 12")
            #expect(liPyramid.accounts.first { $0.account.name == "客户 1" }?.differs == true)
            #expect(try await server(PyramidReport.self, "/v1/reports/pyramid", as: "zhao").accounts.count == 13)
            let declining = try await server(DecliningReport.self, "/v1/reports/declining", as: "li")
            #expect(declining.accounts.count == 12 && declining.accounts.allSatisfy { $0.drop == Share(basisPoints: 2_000) })
            let movements = try await server(MovementReport.self, "/v1/reports/movements", as: "li")
            #expect(movements.up == 1 && movements.down == 1 && movements.movements.last?.reason == "lost the tender")
            let risks = try await server(RiskReport.self, "/v1/reports/risks", as: "li")
            // 12 accounts: contacts at 3, 4, 6, 8, 9, 12; decision makers at 3, 6, 9, 12.
            #expect(risks.singleContact == 5 && risks.noDecisionMaker == 8)
            let complaints = try await server(ComplaintReport.self, "/v1/reports/complaints", as: "li")
            #expect(complaints.total == 2 && complaints.accounts.map(\.account.name) == ["客户 10", "客户 5"])
            #expect(try await server(ComplaintReport.self, "/v1/reports/complaints", as: "zhao").total == 3)

            // A range the server cannot read is refused with what to type instead.
            let bad = try await client.execute(
                uri: "/v1/reports/pyramid?from=2026-Q5", method: .get, headers: [.authorization: "Bearer \(setup.tokens["li"]!)"], body: nil)
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("2026-Q1 or 2026-01"))
            let empty = try await client.execute(
                uri: "/v1/reports/complaints?from=2026-02-01&to=2026-01-01", method: .get, headers: [.authorization: "Bearer \(setup.tokens["li"]!)"], body: nil)
            #expect(empty.status == .badRequest && String(buffer: empty.body).contains("must not lie before"))
        }
    }
}
