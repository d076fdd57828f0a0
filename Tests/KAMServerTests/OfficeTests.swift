import Foundation
import Hummingbird
import HummingbirdTesting
import KAMProtocol
import KAMServer
import Testing

/// The office dashboard's sign-in, session and pages, through the router.
@Suite("The office dashboard")
struct OfficeTests {
    static func application() async throws -> (some ApplicationProtocol, StoreFixture) {
        let fixture = try await StoreFixture()
        var zhao = try await fixture.laptop("zhao", replica: "zhao-laptop")
        let acme = zhao.create(Account(name: "<script>alert(1)</script> 华为", region: "华南", owner: "li", stage: .initial, share: try Share(percent: 30)))
        zhao.create(Contact(account: acme, name: "王芳", role: .decisionMaker))
        zhao.create(Activity(account: acme, kind: .complaint, date: try Day(parsing: "2026-11-20"), note: "交货晚了", author: "zhao"))
        zhao.create(try ShareRecord(account: acme, period: try Period(parsing: "2026-Q3"), customerSpend: Money(minorUnits: 100_000), ourSales: Money(minorUnits: 30_000)))
        var cursor: UInt64 = 0
        _ = try await fixture.sync(&zhao, cursor: &cursor)
        let configuration = ServerConfiguration(port: 0, dataDirectory: URL(fileURLWithPath: "/nonexistent"))
        return (buildApplication(configuration: configuration, service: fixture.store), fixture)
    }

    static func signIn(_ client: some TestClientProtocol, token: String, next: String = "") async throws -> TestResponse {
        let form = "token=\(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)&next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next)"
        return try await client.execute(
            uri: "/office/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form))
    }

    static func cookie(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("kam_office=") }?.split(separator: ";").first.map(String.init)
    }

    @Test("a page sends you to sign in; a token signs you in with an HttpOnly, SameSite=Strict cookie; signing out ends the session")
    func signInAndOut() async throws {
        let (app, fixture) = try await Self.application()
        try await app.test(.router) { client in
            let away = try await client.execute(uri: "/office/risks?x=1", method: .get)
            #expect(away.status == .seeOther && away.headers[.location] == "/office/sign-in?next=%2Foffice%2Frisks%3Fx%3D1")
            let form = try await client.execute(uri: "/office/sign-in?next=/office/risks", method: .get)
            #expect(form.status == .ok && String(buffer: form.body).contains("value=\"/office/risks\""))

            let signedIn = try await Self.signIn(client, token: fixture.tokens["office"]!, next: "/office/risks")
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/office/risks")
            let header = try #require(signedIn.headers[values: .setCookie].first)
            #expect(header.contains("HttpOnly") && header.contains("SameSite=Strict") && header.contains("Path=/office"))
            #expect(!header.contains("Secure"))
            let cookie = try #require(Self.cookie(signedIn))
            // The session is not the token: the token never sits in the browser.
            #expect(!cookie.contains(fixture.tokens["office"]!))

            let page = try await client.execute(uri: "/office/", method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: page.body).contains("data-metric=\"accounts\">1<"))

            let out = try await client.execute(uri: "/office/sign-out", method: .post, headers: [.cookie: cookie])
            #expect(out.status == .seeOther && out.headers[values: .setCookie].first?.contains("Max-Age=0") == true)
            #expect(try await client.execute(uri: "/office/", method: .get, headers: [.cookie: cookie]).status == .seeOther)

            // Behind a proxy that says HTTPS, the cookie is Secure.
            let secure = try await client.execute(
                uri: "/office/sign-in", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .init("X-Forwarded-Proto")!: "https"],
                body: ByteBuffer(string: "token=\(fixture.tokens["office"]!)"))
            #expect(secure.headers[values: .setCookie].first?.contains("Secure") == true)
        }
    }

    @Test("a rep's token, an unknown one and an empty form are refused on the form; a revoked user's session ends")
    func refusals() async throws {
        let (app, fixture) = try await Self.application()
        try await app.test(.router) { client in
            for (token, words) in [(fixture.tokens["li"]!, "li is a rep"), ("kam_nope", "unknown or revoked"), ("", "Paste your token")] {
                let refused = try await Self.signIn(client, token: token)
                #expect(refused.status == .unauthorized && Self.cookie(refused) == nil)
                #expect(String(buffer: refused.body).contains(words), "\(words)")
            }
            // A manager may sign in; once revoked, the session stops working.
            let manager = try #require(Self.cookie(try await Self.signIn(client, token: fixture.tokens["zhao"]!)))
            #expect(try await client.execute(uri: "/office/risks", method: .get, headers: [.cookie: manager]).status == .ok)
            try await fixture.store.revokeUser(name: "zhao")
            #expect(try await client.execute(uri: "/office/risks", method: .get, headers: [.cookie: manager]).status == .seeOther)
            // A forged cookie is nobody.
            #expect(try await client.execute(uri: "/office/", method: .get, headers: [.cookie: "kam_office=kam_forged"]).status == .seeOther)
        }
    }

    @Test("sign-in and sign-out forms posted from another site do nothing; a new token ends the old sessions")
    func otherSites() async throws {
        let (app, fixture) = try await Self.application()
        try await app.test(.router) { client in
            let token = fixture.tokens["office"]!
            let form = ByteBuffer(string: "token=\(token)")
            for headers: HTTPFields in [
                [.init("Sec-Fetch-Site")!: "cross-site"], [.origin: "https://evil.example"], [.origin: "null"],
            ] {
                var all = headers
                all[.contentType] = "application/x-www-form-urlencoded"
                let refused = try await client.execute(uri: "/office/sign-in", method: .post, headers: all, body: form)
                #expect(refused.status == .forbidden && Self.cookie(refused) == nil, "\(headers)")
                #expect(String(buffer: refused.body).contains("sent from another site"))
            }
            let same = try await client.execute(
                uri: "/office/sign-in", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .init("Sec-Fetch-Site")!: "same-origin"],
                body: form)
            let cookie = try #require(Self.cookie(same))
            let away = try await client.execute(
                uri: "/office/sign-out", method: .post, headers: [.cookie: cookie, .init("Sec-Fetch-Site")!: "cross-site"])
            #expect(away.status == .forbidden && away.headers[values: .setCookie].isEmpty)
            #expect(try await client.execute(uri: "/office/", method: .get, headers: [.cookie: cookie]).status == .ok)

            // A token replaced because it leaked takes its sessions with it.
            _ = try await fixture.store.replaceToken(name: "office")
            #expect(try await client.execute(uri: "/office/", method: .get, headers: [.cookie: cookie]).status == .seeOther)
        }
    }

    @Test("after signing in you go to a dashboard page, never to another site")
    func nextStaysHome() async throws {
        let (app, fixture) = try await Self.application()
        try await app.test(.router) { client in
            for next in ["https://evil.example/", "//evil.example/office/", "/office/\\evil", "/v1/accounts", ""] {
                let response = try await Self.signIn(client, token: fixture.tokens["office"]!, next: next)
                #expect(response.headers[.location] == "/office/", "\(next)")
            }
        }
    }

    @Test("every page answers with what laptops wrote, escaped, under a policy that allows no script")
    func pages() async throws {
        let (app, fixture) = try await Self.application()
        try await app.test(.router) { client in
            let cookie = try #require(Self.cookie(try await Self.signIn(client, token: fixture.tokens["office"]!)))
            let list = try await client.execute(uri: "/office/accounts", method: .get, headers: [.cookie: cookie])
            let html = String(buffer: list.body)
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 华为") && !html.contains("<script>"))
            #expect(list.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let href = try #require(html.firstRange(of: "/office/accounts/").map { range in
                String(html[range.lowerBound...].prefix { $0 != "\"" })
            })
            let detail = String(buffer: try await client.execute(uri: href, method: .get, headers: [.cookie: cookie]).body)
            #expect(detail.contains("王芳") && detail.contains("decision-maker") && detail.contains("data-metric=\"share-records\">1<"))
            #expect(detail.contains("<svg") && detail.contains("交货晚了"))
            for path in ["/office/", "/office/pyramid", "/office/movements", "/office/declining", "/office/risks", "/office/complaints"] {
                let page = try await client.execute(uri: path, method: .get, headers: [.cookie: cookie])
                #expect(page.status == .ok, "\(path)")
                #expect(!String(buffer: page.body).contains("<script>"), "\(path)")
            }
            let complaints = String(buffer: try await client.execute(uri: "/office/complaints", method: .get, headers: [.cookie: cookie]).body)
            #expect(complaints.contains("data-metric=\"complaints\">1<"))

            // A bad filter explains itself on the page; an unknown account or page is a page too.
            let bad = try await client.execute(uri: "/office/movements?from=yesterday", method: .get, headers: [.cookie: cookie])
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("from &#39;yesterday&#39; is not valid"))
            let missing = try await client.execute(uri: "/office/accounts/nobody", method: .get, headers: [.cookie: cookie])
            #expect(missing.status == .notFound && String(buffer: missing.body).contains("There is no account"))
            #expect(try await client.execute(uri: "/office/nowhere", method: .get, headers: [.cookie: cookie]).status == .notFound)

            // A search typed with spaces arrives as a form sends it ('+' for a space) and still finds.
            let spaced = try await client.execute(uri: "/office/accounts?text=%E5%8D%8E%E4%B8%BA+&region=%E5%8D%8E%E5%8D%97", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: spaced.body).contains("data-metric=\"total\">0<"))
            let words = try await client.execute(uri: "/office/accounts?text=%3C%2Fscript%3E+%E5%8D%8E%E4%B8%BA", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: words.body).contains("data-metric=\"total\">1<"))

            // The CSV download holds the filtered accounts, marked for spreadsheet programs.
            let csv = try await client.execute(uri: "/office/accounts.csv?stage=initial", method: .get, headers: [.cookie: cookie])
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8" && Data(buffer: csv.body).starts(with: [0xEF, 0xBB, 0xBF]))
            #expect(String(buffer: csv.body).contains("华为"))
            let none = try await client.execute(uri: "/office/accounts.csv?stage=strategic", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: none.body).split(separator: "\n").count == 1)
        }
    }
}
