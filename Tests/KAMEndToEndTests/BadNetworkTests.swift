import Foundation
import KAMClient
import KAMProtocol
import KAMServer
import Testing

/// `kam` syncing through a proxy that cuts, stalls, delays and duplicates.
@Suite("Bad network", .serialized)
struct BadNetworkTests {
    static var rounds: Int { ProcessInfo.processInfo.environment["KAM_NETWORK_ROUNDS"].flatMap(Int.init) ?? 12 }

    @Test("sync finishes within its retries or fails clearly; once the link heals all converge with no duplicates")
    func badNetwork() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kam-net-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try ServerProcess(directory: directory)
        let liToken = try server.addUser("li", role: "manager")
        let zhaoToken = try server.addUser("zhao", role: "manager")
        try server.start()
        let proxy = try FaultProxy(target: server.port)
        defer { proxy.stop(); server.stop(); try? FileManager.default.removeItem(at: directory) }
        let li = LaptopProcess(home: directory.appendingPathComponent("li"))
        let zhao = LaptopProcess(home: directory.appendingPathComponent("zhao"))
        let through = "http://127.0.0.1:\(proxy.port)"
        #expect(try li.kam(["init", "--server", through, "--token", liToken, "--timeout", "60"]).0 == 0)
        #expect(try zhao.kam(["init", "--server", through, "--token", zhaoToken, "--timeout", "60"]).0 == 0)

        var created: Set<RecordID> = []
        var failedClearly = 0
        var completed = 0
        for round in 0..<Self.rounds {
            let replica = try li.replica()
            for n in 0..<Int.random(in: 40...120) {
                created.insert(try replica.addAccount(Account(name: "round \(round) account \(n)", notes: String(repeating: "笔记", count: 30))).id)
            }
            let faults: [FaultProxy.Fault] = [
                .cutAnswerAfter(Int.random(in: 1...400)), .cutRequestAfter(Int.random(in: 1...3_000)), .stall(seconds: 3),
                .delay(milliseconds: 20), .duplicate,
            ]
            proxy.faults { Bool.random() ? faults.randomElement()! : .none }
            for laptop in [li, zhao] {
                let (status, _, err) = try laptop.kam(["sync", "--connect-timeout", "2", "--stall-timeout", "2"])
                if status == 0 {
                    completed += 1
                } else {
                    #expect(status == 1)
                    #expect(err.contains("Nothing is lost") || err.contains("refused"), "\(err)")
                    failedClearly += 1
                }
            }
            // The link heals.
            proxy.faults { .none }
            for laptop in [li, zhao, li] { #expect(try laptop.kam(["sync"]).0 == 0) }
            let states = try await server.states()
            #expect(Set(states.values.filter { $0.kind == .account }.map(\.id)) == created)
            for laptop in [li, zhao] {
                let replica = try laptop.replica()
                #expect(try replica.status().pending == 0)
                #expect(Set(try replica.accounts().map(\.id)) == created)
            }
        }
        #expect(proxy.faultsApplied > 0)
        #expect(completed > 0)
    }
}
