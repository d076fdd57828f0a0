import Foundation
import KAMClient
import KAMProtocol
import Testing

/// The reassignment story with the real binaries: the account leaves the old
/// owner's laptop, reaches the new one whole, and the old owner's unaccepted
/// edits stay listed with their values.
@Suite("Territories with the real binaries", .serialized)
struct TerritoryStoryTests {
    @Test("a manager reassigns an account with kam account reassign; it leaves a's laptop and a's edits stay in kam refused")
    func reassignmentStory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-territory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try ServerProcess(directory: directory)
        defer { server.stop(); try? FileManager.default.removeItem(at: directory) }
        let tokens = ["boss": try server.addUser("boss", role: "manager"), "a": try server.addUser("a", role: "rep"), "b": try server.addUser("b", role: "rep")]
        try server.start()
        let laptops = tokens.mapValues { _ in LaptopProcess(home: directory.appendingPathComponent(UUID().uuidString)) }
        for (name, laptop) in laptops { #expect(try laptop.kam(["init", "--server", server.url, "--token", tokens[name]!]).0 == 0) }
        let (boss, a, b) = (laptops["boss"]!, laptops["a"]!, laptops["b"]!)
        let name = "华为技术有限公司"

        // 1. The manager creates an account owned by a, and a pulls it.
        #expect(try boss.kam(["account", "add", name, "--owner", "a", "--region", "华南"]).0 == 0)
        #expect(try boss.kam(["contact", "add", name, "王芳", "--title", "采购总监"]).0 == 0)
        #expect(try boss.kam(["sync"]).0 == 0)
        #expect(try a.kam(["sync"]).0 == 0)
        #expect(try a.kam(["account", "list"]).1.contains(name))

        // 2. a edits it offline: notes and a visit.
        #expect(try a.kam(["account", "set", "华为", "--notes", "new buyer from March"]).0 == 0)
        #expect(try a.kam(["activity", "log", "华为", "--kind", "visit", "--note", "met the buyer"]).0 == 0)

        // 3. The manager reassigns it to b: the plan first, then the move.
        let dryRun = try boss.kam(["account", "reassign", "--from", "a", "--to", "b", "--dry-run"])
        #expect(dryRun.0 == 0 && dryRun.1.contains("1 account move from a to b") && dryRun.1.contains(name))
        let typo = try boss.kam(["account", "reassign", "--from", "a", "--to", "wnag", "--dry-run"])
        #expect(typo.0 == 0 && typo.2.contains("no user named wnag"), "\(typo.2)")
        #expect(!(try boss.kam(["account", "reassign", "--from", "a", "--to", "boss", "--dry-run"]).2.contains("no user named")))
        let unasked = try boss.kam(["account", "reassign", "--from", "a", "--to", "b"])
        #expect(unasked.0 == 64 && unasked.2.contains("--yes"), "no terminal to ask on: nothing moves without --yes")
        let moved = try boss.kam(["account", "reassign", "--from", "a", "--to", "b", "--yes"])
        #expect(moved.0 == 0 && moved.1.contains("moved 1 account to b"), "\(moved.2)")
        #expect(try boss.kam(["sync"]).0 == 0)

        // 4. b pulls the whole account.
        #expect(try b.kam(["sync"]).0 == 0)
        let shown = try b.kam(["account", "show", name])
        #expect(shown.1.contains("王芳") && shown.1.contains("owner changes"), "\(shown.1)")

        // 5. a syncs: told what happened; the account is gone, the edits are listed with their values.
        let sync = try a.kam(["sync"])
        #expect(sync.0 == 0, "\(sync.2)")
        #expect(sync.1.contains("\(name) was reassigned to b and removed from this laptop; 2 of your edits to it were not accepted (kam refused)"), "\(sync.1)")
        let list = try JSONDecoder().decode([AccountSummary].self, from: Data(try a.kam(["account", "list", "--json"]).1.utf8))
        #expect(list.isEmpty)
        let refused = try JSONDecoder().decode([Refusal].self, from: Data(try a.kam(["refused", "--json"]).1.utf8))
        #expect(refused.count == 2 && refused.allSatisfy { $0.accountName == name && $0.removed })
        #expect(refused.contains { $0.edits["notes"] == .text("new buyer from March") })
        #expect(refused.contains { $0.edits["note"] == .text("met the buyer") })
        let table = try a.kam(["refused"]).1
        #expect(table.contains(name) && table.contains("met the buyer"))

        // The next sync is quiet; the edits stay until a drops them.
        let again = try a.kam(["sync"])
        #expect(again.0 == 0 && !again.1.contains("removed"))
        #expect(try a.kam(["refused", "--json"]).1.contains("met the buyer"))
        #expect(try a.kam(["refused", name, "--drop"]).1.contains("dropped 2"))
        #expect(try JSONDecoder().decode([Refusal].self, from: Data(try a.kam(["refused", "--json"]).1.utf8)).isEmpty)
    }
}
