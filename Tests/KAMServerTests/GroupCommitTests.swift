import Foundation
import KAMProtocol
@testable import KAMServer
import Testing

/// Pushes that arrive together commit in one transaction, each acknowledged
/// (or refused) on its own.
@Suite("Group commit")
struct GroupCommitTests {
    @Test("in one group, a forged push fails alone and the others commit", arguments: Storage.all)
    func forgedPushFailsAlone(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var li = try await fixture.laptop("li", replica: "li-laptop")
        var wang = try await fixture.laptop("wang", replica: "wang-laptop")
        let huawei = li.create(account("华为", owner: "li"))
        let baosteel = wang.create(account("宝钢", owner: "wang"))
        // A push claiming a write of a replica the server never heard of.
        var forged = RecordState(kind: .account, id: RecordID(rawValue: "forged")!)
        forged.write("name", .text("x"), dot: Dot(replica: ReplicaID(rawValue: "stranger")!, counter: 1), at: Laptop.at)
        let results = await PushCommitter.commit(
            [
                (li.user, li.clock.replica, try SyncService.prepare(li.pushRequest().records)),
                (li.user, li.clock.replica, [forged]),
                (wang.user, wang.clock.replica, try SyncService.prepare(wang.pushRequest().records)),
            ],
            storage: fixture.store.storage)
        #expect(results.count == 3)
        guard case .success(let first) = results[0], case .failure(let error) = results[1], case .success(let third) = results[2] else {
            Issue.record("expected success, failure, success: \(results)")
            return
        }
        #expect(error is SyncError)
        #expect(first.acknowledgement.refused.isEmpty && third.acknowledgement.refused.isEmpty)
        #expect(third.acknowledgement.sequence > first.acknowledgement.sequence)
        let office = fixture.users["office"]!
        #expect(try await fixture.store.account(huawei, for: office) != nil)
        #expect(try await fixture.store.account(baosteel, for: office) != nil)
        #expect(try await fixture.store.storage.read { tx in try tx.record(RecordID(rawValue: "forged")!) } == nil)
    }

    @Test("many laptops pushing at once are each acknowledged, and everything they pushed is merged", arguments: Storage.all)
    func concurrentPushes(_ storage: Storage) async throws {
        let fixture = try await StoreFixture(try await storage.make())
        var laptops: [Laptop] = []
        for index in 0..<8 { laptops.append(try await fixture.laptop("zhao", replica: "zhao-\(index)")) }
        var requests: [(User, PushRequest)] = []
        var ids: [RecordID] = []
        for index in laptops.indices {
            for round in 0..<5 { ids.append(laptops[index].create(account("account \(index)-\(round)", owner: "li"))) }
            requests.append((laptops[index].user, laptops[index].pushRequest()))
        }
        let service = fixture.store
        let acknowledgements = try await withThrowingTaskGroup(of: PushAcknowledgement.self) { group in
            for (user, request) in requests { group.addTask { try await service.push(request, by: user) } }
            var all: [PushAcknowledgement] = []
            for try await ack in group { all.append(ack) }
            return all
        }
        #expect(acknowledgements.count == 8)
        #expect(acknowledgements.allSatisfy { $0.refused.isEmpty && $0.accepted == 5 * 4 })
        let listed = try await service.accounts(matching: AccountQuery(limit: 1_000), for: fixture.users["office"]!)
        #expect(Set(listed.accounts.map(\.id)) == Set(ids))
        // Each retry gets the same answer.
        for (user, request) in requests { #expect(try await service.push(request, by: user).refused.isEmpty) }
    }
}
