import Foundation
import KAMClient
import KAMProtocol
import Testing

/// How a typed account reference finds its account.
@Suite("Account references")
struct AccountReferenceTests {
    @Test("a unique prefix of the name finds the account, Chinese names included")
    func namePrefix() throws {
        let replica = try ReplicaTests.replica()
        let huawei = try replica.addAccount(Account(id: RecordID(rawValue: "aaaa-1")!, name: "华为技术有限公司")).id
        let acme = try replica.addAccount(Account(id: RecordID(rawValue: "bbbb-1")!, name: "ACME Steel")).id
        #expect(try replica.resolveAccount("华为") == huawei)
        #expect(try replica.resolveAccount("ACME") == acme)
        #expect(try replica.resolveAccount("aaaa") == huawei)  // the id prefix still works
        #expect(throws: ClientError.unknownAccount("Globex")) { try replica.resolveAccount("Globex") }
        #expect(throws: ClientError.unknownAccount("acme")) { try replica.resolveAccount("acme") }  // names are matched as typed
    }

    @Test("an ambiguous prefix lists the candidates, name and id, and asks for more characters")
    func ambiguousPrefix() throws {
        let replica = try ReplicaTests.replica()
        try replica.addAccount(Account(id: RecordID(rawValue: "aaaa-1")!, name: "ACME Steel"))
        try replica.addAccount(Account(id: RecordID(rawValue: "bbbb-1")!, name: "ACME Shipping"))
        do {
            _ = try replica.resolveAccount("ACME S")
            Issue.record("an ambiguous prefix was accepted")
        } catch let error as ClientError {
            guard case .ambiguousAccount(_, let candidates) = error else {
                Issue.record("expected an ambiguous account, got \(error)")
                return
            }
            #expect(candidates.sorted() == ["ACME Shipping  bbbb-1", "ACME Steel  aaaa-1"])
            #expect(error.description.contains("type more characters"))
        }
        #expect(try replica.resolveAccount("ACME St") == RecordID(rawValue: "aaaa-1"))
    }

    @Test("an exact name wins over a longer name it starts, and over an id that starts with it")
    func exactNameWins() throws {
        let replica = try ReplicaTests.replica()
        let short = try replica.addAccount(Account(id: RecordID(rawValue: "aaaa-1")!, name: "ACME")).id
        try replica.addAccount(Account(id: RecordID(rawValue: "bbbb-1")!, name: "ACME Steel"))
        let named = try replica.addAccount(Account(id: RecordID(rawValue: "cccc-1")!, name: "bbbb")).id
        #expect(try replica.resolveAccount("ACME") == short)
        #expect(try replica.resolveAccount("bbbb") == named)
        #expect(try replica.resolveAccount("bbbb-1") == RecordID(rawValue: "bbbb-1"))  // an exact id first of all
    }

    @Test("a prefix matching one account by id and another by name is ambiguous")
    func idAndNamePrefix() throws {
        let replica = try ReplicaTests.replica()
        try replica.addAccount(Account(id: RecordID(rawValue: "ab12-1")!, name: "Globex"))
        try replica.addAccount(Account(id: RecordID(rawValue: "cd34-1")!, name: "ab Industries"))
        #expect(throws: ClientError.self) { try replica.resolveAccount("ab") }
        #expect(try replica.resolveAccount("ab1") == RecordID(rawValue: "ab12-1"))
        #expect(try replica.resolveAccount("ab I") == RecordID(rawValue: "cd34-1"))
    }
}
