import Foundation
import KAMProtocol
import KAMServer
import KAMServerTestSupport
import Testing

/// Several server processes on one PostgreSQL database: each test's services
/// run over two stores with connection pools and memories of their own, as
/// two `kam-server` processes would.
@Suite("PostgreSQL with several processes", .enabled(if: TestDatabases.postgresURL != nil, "needs the cluster make test starts"))
struct PostgresConcurrencyTests {
    /// Two services over one new schema, through two pools.
    static func processes() async throws -> [SyncService] {
        try await TestDatabases.postgresStores(count: 2).map { SyncService(storage: $0, logger: SQLiteStore.quietLogger) }
    }

    @Test("writers pushing through two processes while a reader pulls the whole time: the reader ends with every change")
    func readerMissesNothing() async throws {
        let processes = try await Self.processes()
        let zhao = try await processes[0].authenticate(token: try await processes[0].addUser(name: "zhao", role: .manager))!
        let office = try await processes[1].authenticate(token: try await processes[1].addUser(name: "office", role: .office))!
        let writers = 6, rounds = 12
        var laptops: [Laptop] = []
        for index in 0..<writers {
            let laptop = Laptop(zhao, replica: "zhao-\(index)")
            _ = try await processes[index % 2].registerReplica(laptop.clock.replica, for: zhao)
            laptops.append(laptop)
        }
        let done = Flag()
        let pushed = try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, start) in laptops.enumerated() {
                group.addTask {
                    var laptop = start
                    var accepted = 0
                    var mine: [RecordID] = []
                    for round in 0..<rounds {
                        // New accounts and contacts, and edits to earlier ones, through either process.
                        let id = laptop.create(account("account \(index)-\(round)", owner: "zhao"))
                        laptop.create(Contact(account: id, name: "contact \(index)-\(round)"))
                        if let earlier = mine.randomElement() { laptop.write(earlier, "notes", .text("round \(round)")) }
                        mine.append(id)
                        let ack = try await processes[(index + round) % 2].push(laptop.pushRequest(), by: zhao)
                        #expect(ack.refused.isEmpty)
                        accepted += ack.accepted
                    }
                    return accepted
                }
            }
            // The reader: small pages, from its cursor, alternating processes, until the writers are done and it is quiet.
            group.addTask {
                var states: [RecordID: RecordState] = [:]
                var cursor: UInt64 = 0
                var turn = 0
                var quietAfterDone = false
                while !quietAfterDone {
                    let writersDone = done.value
                    turn += 1
                    let page = try await processes[turn % 2].pull(since: cursor, limit: 5, for: office)
                    for record in page.records { states[record.id] = states[record.id].map { $0.joined(with: record) } ?? record }
                    #expect(page.cursor >= cursor)
                    cursor = page.cursor
                    if !page.hasMore && page.records.isEmpty && writersDone { quietAfterDone = true }
                    if !page.hasMore && !writersDone { await Task.yield() }
                }
                // What every record is on the server now, read whole from the start.
                var server: [RecordID: RecordState] = [:]
                var from: UInt64 = 0
                var more = true
                while more {
                    let page = try await processes[0].pull(since: from, limit: 500, for: office)
                    for record in page.records { server[record.id] = record }
                    from = page.cursor
                    more = page.hasMore
                }
                #expect(server.count == writers * rounds * 2)
                #expect(Set(states.keys) == Set(server.keys), "the reader missed \(Set(server.keys).subtracting(states.keys).count) records")
                for (id, state) in server where states[id] != state {
                    Issue.record("the reader's \(id) differs from the server's: a change was skipped")
                }
                return -1
            }
            var total = 0
            var finished = 0
            for try await result in group where result >= 0 {
                total += result
                finished += 1
                if finished == writers { done.set() }
            }
            return total
        }
        #expect(pushed > 0)
    }

    @Test("the same record pushed at once through two processes keeps every write")
    func sameRecordThroughTwoProcesses() async throws {
        let processes = try await Self.processes()
        let zhao = try await processes[0].authenticate(token: try await processes[0].addUser(name: "zhao", role: .manager))!
        var first = Laptop(zhao, replica: "zhao-a")
        var second = Laptop(zhao, replica: "zhao-b")
        _ = try await processes[0].registerReplica(first.clock.replica, for: zhao)
        _ = try await processes[1].registerReplica(second.clock.replica, for: zhao)
        let id = first.create(account("华为", owner: "zhao"))
        _ = try await processes[0].push(first.pushRequest(), by: zhao)
        second.apply(try await processes[1].pull(since: 0, limit: 100, for: zhao))
        // Both write every field of the account, many times, at once, each through its own process.
        var requests: [(Int, PushRequest)] = []
        for round in 0..<10 {
            first.write(id, "notes", .text("first \(round)"))
            requests.append((0, first.pushRequest()))
            second.write(id, "notes", .text("second \(round)"))
            requests.append((1, second.pushRequest()))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (process, request) in requests {
                group.addTask { _ = try await processes[process].push(request, by: zhao) }
            }
            try await group.waitForAll()
        }
        let merged = try await processes[0].storage.read { tx in try tx.record(id) }!.state
        // Neither laptop's last write is lost: both are siblings, as concurrent writes must be.
        let values = Set(merged["notes"].siblings.compactMap(\.value.text))
        #expect(values == ["first 9", "second 9"])
        let counters = try await processes[1].storage.read { tx in try tx.replicaCounters(of: "zhao") }
        #expect(counters[first.clock.replica] == first.clock.counter && counters[second.clock.replica] == second.clock.counter)
    }
}

/// A flag one task sets and others read.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var isSet = false
    var value: Bool { lock.withLock { isSet } }
    func set() { lock.withLock { isSet = true } }
}
