import Foundation
import KAMClient
import KAMProtocol
import KAMServer
import Testing

/// Three laptops edit offline and sync in every order, with the real binaries.
@Suite("Offline day", .serialized)
struct OfflineDayTests {
    static let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]

    @Test("every sync order ends with the same fields, conflicts and review flags on every laptop and in the office API", arguments: orders)
    func offlineDay(order: [Int]) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-day-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try ServerProcess(directory: directory)
        defer { server.stop(); try? FileManager.default.removeItem(at: directory) }
        let names = ["li", "wang", "sun"]
        var tokens: [String] = []
        for name in names { tokens.append(try server.addUser(name, role: "manager")) }
        let office = try server.addUser("office", role: "office")
        try server.start()
        let laptops = names.map { LaptopProcess(home: directory.appendingPathComponent($0)) }
        for (laptop, token) in zip(laptops, tokens) {
            #expect(try laptop.kam(["init", "--server", server.url, "--token", token, "--timeout", "60"]).0 == 0)
        }
        let (li, wang, sun) = (laptops[0], laptops[1], laptops[2])

        // The morning: li sets up two accounts and everyone syncs.
        let acme = try li.kam(["account", "add", "宝钢集团", "--region", "华东"]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        let globex = try li.kam(["account", "add", "Globex"]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try li.kam(["stage", acme, "initial", "--share", "30", "--reason", "trial order"]).0 == 0)
        for laptop in laptops + [li] { #expect(try laptop.kam(["sync"]).0 == 0) }

        // Offline all day.
        #expect(try li.kam(["account", "set", acme, "--region", "华南"]).0 == 0)  // the same field on two laptops
        #expect(try wang.kam(["account", "set", acme, "--region", "华北", "--tier", "gold"]).0 == 0)  // and a different one
        #expect(try sun.kam(["account", "set", acme, "--notes", "采购换人了"]).0 == 0)
        #expect(try li.kam(["account", "delete", globex]).0 == 0)  // a delete against an edit
        #expect(try sun.kam(["account", "set", globex, "--industry", "物流"]).0 == 0)
        #expect(try wang.kam(["stage", acme, "stable", "--share", "60"]).0 == 0)  // the stage moves up…
        #expect(try sun.kam(["account", "set", acme, "--share", "20"]).0 == 0)  // …while a share fitting the old one is typed

        // Evening: they sync in this order, then everyone once more.
        for index in order + [0, 1, 2] { #expect(try laptops[index].kam(["sync"]).0 == 0) }

        let reports = try laptops.map { laptop in
            try JSONDecoder().decode(ConflictReport.self, from: Data(laptop.kam(["conflicts", "--json"]).1.utf8))
        }
        #expect(reports[0] == reports[1] && reports[1] == reports[2])
        let conflicts = reports[0].conflicts.map(\.conflict)
        #expect(Set(conflicts.compactMap(\.field)) == ["region", "share"])
        #expect(conflicts.contains { $0.kind == .deleteVersusEdit && $0.record.rawValue == globex })
        #expect(reports[0].reviewFlags.first?.flags.map(\.code) == ["share-outside-stage-band"])

        let details = try laptops.map { laptop in
            try JSONDecoder().decode(AccountDetail.self, from: Data(laptop.kam(["account", "show", acme, "--json"]).1.utf8))
        }
        #expect(details[0] == details[1] && details[1] == details[2])
        #expect(details[0].account.tier == .gold && details[0].account.notes == "采购换人了" && details[0].account.stage == .stable)

        // The office sees the same, through the API.
        let transport = CurlTransport()
        let answer = try await transport.send(
            HTTPRequestSpec(method: "GET", url: URL(string: "\(server.url)/v1/accounts/\(acme)")!, headers: [("Authorization", "Bearer \(office)")]),
            progress: nil)
        #expect(answer.status == 200)
        let officeView = try JSONDecoder().decode(AccountDetail.self, from: answer.body)
        #expect(officeView.account == details[0].account)
        #expect(Set(officeView.conflicts) == Set(details[0].conflicts))
        #expect(officeView.reviewFlags == details[0].reviewFlags)

        // Settled on one laptop, cleared on all after the next syncs.
        #expect(try sun.kam(["resolve", acme, "region", "--value", "华南"]).0 == 0)
        #expect(try sun.kam(["resolve", acme, "share", "--value", "60"]).0 == 0)
        #expect(try sun.kam(["resolve", globex, "deleted", "--value", "no"]).0 == 0)
        for index in [2, 0, 1, 2] { #expect(try laptops[index].kam(["sync"]).0 == 0) }
        for laptop in laptops {
            #expect(try laptop.kam(["conflicts"]).1.contains("nothing to settle"))
        }
    }
}
