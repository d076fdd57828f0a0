import Foundation
import KAMClient
import KAMProtocol
import KAMServer
import Testing

/// Reassignment and moves reach laptops through a live server and libcurl.
@Suite("Territories through a live server")
struct TerritorySyncTests {
    @Test("a reassigned account leaves the old owner's laptop; their unaccepted edits stay listed with their values")
    func reassignedAccountLeaves() async throws {
        try await SyncIntegrationTests.run { port, setup in
            let (zhao, zhaoSync) = try SyncIntegrationTests.laptop("zhao", port: port, setup: setup)
            let (li, liSync) = try SyncIntegrationTests.laptop("li", port: port, setup: setup)
            let (wang, wangSync) = try SyncIntegrationTests.laptop("wang", port: port, setup: setup)
            let name = "华为技术有限公司"
            let huawei = try zhao.addAccount(Account(name: name, region: "华南", owner: "li")).id
            try zhao.addContact(name, name: "王芳", title: "采购总监")
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()
            #expect(try li.accounts().map(\.name) == [name])

            // Offline, li writes notes and logs a visit; the manager reassigns the account to wang.
            try li.setAccount(name, ["notes": "new buyer from March"])
            try li.logActivity(name, kind: .visit, note: "met the buyer", date: try Day(parsing: "2026-11-23"))
            try zhao.setAccount(name, ["owner": "wang"])
            _ = try await zhaoSync.sync()

            // Registered with a protocol 2 server, the laptops push in binary form.
            #expect(try li.store.settings().serverProtocol == KAMProtocolVersion.current)

            // wang gets all of it.
            _ = try await wangSync.sync()
            #expect(try wang.accounts().map(\.name) == [name])
            #expect(try wang.account(name).contacts.map(\.name) == ["王芳"])

            // li's sync says what happened; the account is gone, the edits are not.
            let summary = try await liSync.sync()
            let removed = try #require(summary.removed.first)
            #expect(summary.removed.count == 1)
            #expect(removed.account == huawei && removed.name == name && removed.reason == .reassigned && removed.owners == ["wang"])
            #expect(removed.accountRemoved && removed.refusedEdits == 2)
            #expect(try li.accounts().isEmpty)
            #expect(try li.records(Contact.self).isEmpty && li.records(Activity.self).isEmpty)
            let refused = try li.refusals()
            #expect(refused.count == 2)
            #expect(refused.allSatisfy { $0.accountName == name && $0.removed })
            #expect(refused.contains { $0.edits["notes"] == .text("new buyer from March") })
            #expect(refused.contains { $0.kind == .activity && $0.edits["note"] == .text("met the buyer") })
            // Listed by the account's name too, once it has left; nothing else is pending.
            #expect(try li.refusals(name).count == 2)
            #expect(try li.status().pending == 0)

            // The history shows the change on every laptop that sees the account.
            let history = try wang.account(name).ownerChanges
            #expect(history.map(\.to) == [["li"], ["wang"]] && history.last?.by == "zhao")

            // Dropping them forgets them; later syncs are quiet.
            #expect(try li.dropRefusals(record: name) == 2)
            let after = try await liSync.sync()
            #expect(after.removed.isEmpty && after.refused == 0)
            #expect(try li.refusals().isEmpty)
        }
    }

    @Test("dropping a refused edit puts the server's value back at the next sync")
    func dropPutsServerValueBack() async throws {
        try await SyncIntegrationTests.run { port, setup in
            let (zhao, zhaoSync) = try SyncIntegrationTests.laptop("zhao", port: port, setup: setup)
            let (li, liSync) = try SyncIntegrationTests.laptop("li", port: port, setup: setup)
            try zhao.addAccount(Account(name: "ACME", owner: "li", notes: "from the fair"))
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()
            // A rep may not change the owner: refused, and the laptop still shows the refused value.
            try li.setAccount("ACME", ["owner": "wang", "notes": "handing over"])
            #expect(try await liSync.sync().refused == 1)
            #expect(try li.account("ACME").account.owner == "wang")
            // The manager writes notes meanwhile.
            try zhao.setAccount("ACME", ["notes": "manager's notes"])
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()
            #expect(try li.dropRefusals(record: "ACME") == 1)
            let summary = try await liSync.sync()
            #expect(summary.removed.isEmpty)
            let account = try li.account("ACME").account
            #expect(account.owner == "li" && account.notes == "manager's notes")
            #expect(try li.conflicts().conflicts.isEmpty)
            #expect(try li.status().pending == 0)
            // The laptop and the server agree again: a change from either side still travels.
            try li.setAccount("ACME", ["region": "华东"])
            #expect(try await liSync.sync().refused == 0)
            _ = try await zhaoSync.sync()
            #expect(try zhao.account("ACME").account == li.account("ACME").account)
        }
    }

    @Test("a record whose creation was refused is sent whole again with its next edit, and judged anew")
    func refusedCreationRedone() async throws {
        try await SyncIntegrationTests.run { port, setup in
            let (zhao, zhaoSync) = try SyncIntegrationTests.laptop("zhao", port: port, setup: setup)
            let (li, liSync) = try SyncIntegrationTests.laptop("li", port: port, setup: setup)
            try zhao.addAccount(Account(name: "ACME", owner: "li"))
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()
            // li adds a contact offline; the account is wang's for a while when li pushes it.
            let contact = try li.addContact("ACME", name: "Ann")
            try zhao.setAccount("ACME", ["owner": "wang"])
            _ = try await zhaoSync.sync()
            // li's push goes through now; li's pull only after the account is given back.
            let user = try #require(try await setup.store.authenticate(token: setup.tokens["li"]!))
            let batch = try #require(try li.store.pendingBatch(limit: 100))
            let ack = try await setup.store.push(batch.request, by: user)
            #expect(ack.refused.map(\.code) == ["not-owner"])
            try li.store.acknowledge(batch, ack)
            try zhao.setAccount("ACME", ["owner": "li"])
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()
            #expect(try li.refusals().map(\.record) == [contact.id])
            // li's next edit sends the whole contact again, and now it is li's to add.
            try li.setContact(contact.id.rawValue, ["title": "buyer"])
            let summary = try await liSync.sync()
            #expect(summary.refused == 0)
            #expect(try li.refusals().isEmpty)
            _ = try await zhaoSync.sync()
            let onServer = try #require(try zhao.records(Contact.self).first)
            #expect(onServer.id == contact.id && onServer.name == "Ann" && onServer.title == "buyer")
        }
    }

    @Test("a contact moved to another rep's account leaves this laptop; the new owner gets it whole")
    func moveLeaves() async throws {
        try await SyncIntegrationTests.run { port, setup in
            let (zhao, zhaoSync) = try SyncIntegrationTests.laptop("zhao", port: port, setup: setup)
            let (li, liSync) = try SyncIntegrationTests.laptop("li", port: port, setup: setup)
            let (wang, wangSync) = try SyncIntegrationTests.laptop("wang", port: port, setup: setup)
            try zhao.addAccount(Account(name: "ACME", owner: "li"))
            try zhao.addAccount(Account(name: "Globex", owner: "wang"))
            let contact = try zhao.addContact("ACME", name: "Ann", title: "buyer")
            _ = try await zhaoSync.sync()
            _ = try await liSync.sync()
            _ = try await wangSync.sync()
            #expect(try li.records(Contact.self).map(\.name) == ["Ann"])
            let globex = try #require(try zhao.accounts().first { $0.name == "Globex" }).id
            try zhao.moveContact(contact.id.rawValue, to: "Globex")
            _ = try await zhaoSync.sync()
            let summary = try await liSync.sync()
            #expect(summary.removed.map(\.name) == ["ACME"] && summary.removed.first?.accountRemoved == false)
            #expect(try li.records(Contact.self).isEmpty && li.accounts().map(\.name) == ["ACME"])
            _ = try await wangSync.sync()
            let moved = try #require(try wang.records(Contact.self).first)
            #expect(moved.name == "Ann" && moved.title == "buyer" && moved.account == globex)
        }
    }
}

/// A server at the same address that reads no binary push (an older release): it answers 400.
struct JSONOnlyTransport: HTTPTransport {
    let inner: any HTTPTransport

    func send(_ request: HTTPRequestSpec, progress: (@Sendable (TransferProgress) -> Void)?) async throws -> HTTPResult {
        if request.headers.contains(where: { $0.0 == "Content-Type" && $0.1 == PushRequest.binaryMediaType }) {
            let body = try WireFormat.encoder().encode(ErrorBody(code: "malformed-body", message: "the body is not JSON"))
            return HTTPResult(status: 400, headers: ["content-type": "application/json"], body: body)
        }
        return try await inner.send(request, progress: progress)
    }
}

@Suite("Binary pushes through a live server")
struct BinaryPushSyncTests {
    @Test("a laptop that meets a server reading no binary push sends JSON and syncs on")
    func fallsBackToJSON() async throws {
        try await SyncIntegrationTests.run { port, setup in
            let (li, liSync) = try SyncIntegrationTests.laptop("li", port: port, setup: setup)
            let (zhao, zhaoSync) = try SyncIntegrationTests.laptop("zhao", port: port, setup: setup)
            _ = try await liSync.sync()
            #expect(try li.store.settings().serverProtocol >= 2)
            try li.addAccount(Account(name: "ACME", owner: "li"))
            var older = SyncEngine(store: li.store, transport: JSONOnlyTransport(inner: CurlTransport(connectTimeout: 5, stallTimeout: 10)))
            older.pushBatch = 3
            let summary = try await older.sync()
            #expect(summary.refused == 0 && summary.pushed > 0)
            #expect(try li.status().pending == 0)
            _ = try await zhaoSync.sync()
            #expect(try zhao.accounts().map(\.name) == ["ACME"])
        }
    }
}
