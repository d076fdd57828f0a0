import Foundation
import Hummingbird
import KAMProtocol
import KAMTables

/// The office dashboard at `/office/`: server-rendered, read-only pages over
/// the same queries and reports as the API, for office users, managers and
/// admins signed in with a session cookie.
struct OfficeRoutes {
    let service: SyncService

    /// The session cookie: HttpOnly, SameSite=Strict, only under `/office`.
    static let cookieName = "kam_office"

    func add(to router: Router<KAMRequestContext>) {
        let office = router.group("office")
        office.get("static/office.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600", .xContentTypeOptions: "nosniff"],
                body: .init(byteBuffer: ByteBuffer(string: OfficeStyle.css)))
        }
        office.get("sign-in") { request, _ in
            OfficePage.render("sign-in", OfficeViews.SignInPage(error: nil, next: Self.safeNext(request.query["next"])))
        }
        office.post("sign-in", use: signIn)
        office.post("sign-out", use: signOut)
        let pages = office.group("")
            .add(middleware: OfficeSessionMiddleware(service: service))
            .add(middleware: OfficeErrorMiddleware())
        pages.get("", use: pipeline)
        pages.get("accounts", use: accounts)
        pages.get("accounts.csv", use: accountsCSV)
        pages.get("accounts/{id}", use: account)
        pages.get("pyramid", use: pyramid)
        pages.get("movements", use: movements)
        pages.get("declining") { _, context in
            let user = try context.requireUser()
            let report = DecliningReport(try await service.reportData(for: user))
            return OfficePage.render("declining", OfficeViews.DecliningPage(report, chrome: OfficeChrome(title: "Declining accounts", user: user, current: "/office/declining")))
        }
        pages.get("risks") { _, context in
            let user = try context.requireUser()
            let report = RiskReport(try await service.reportData(for: user))
            return OfficePage.render("risks", OfficeViews.RisksPage(report, chrome: OfficeChrome(title: "Relationship risks", user: user, current: "/office/risks")))
        }
        pages.get("complaints", use: complaints)
        pages.get("**") { request, _ -> Response in
            throw APIError(.notFound, code: "not-found", message: "There is no page \(request.uri.path.prefix(120)): use the links above.")
        }
    }

    // MARK: Signing in and out

    struct SignInForm: Decodable {
        var token: String?
        var next: String?
    }

    func signIn(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        let form = (try? URLEncodedFormDecoder().decode(SignInForm.self, from: String(buffer: body))) ?? SignInForm()
        let next = Self.safeNext(form.next)
        guard Self.fromThisSite(request) else {
            // Another site signing a browser in under its own token would show that user's data as yours.
            return OfficePage.render("sign-in", OfficeViews.SignInPage(error: Self.otherSite, next: next), status: .forbidden)
        }
        do {
            let (_, secret) = try await service.signIn(token: form.token ?? "")
            var response = Response(status: .seeOther, headers: [.location: next])
            response.setCookie(Cookie(
                name: Self.cookieName, value: secret, maxAge: Int(SyncService.officeSessionLifetime / 1000), path: "/office",
                secure: Self.isHTTPS(request), httpOnly: true, sameSite: .strict))
            return response
        } catch {
            context.logger.notice("office sign-in refused", metadata: ["reason": "\(error)"])
            return OfficePage.render("sign-in", OfficeViews.SignInPage(error: error.description, next: next), status: .unauthorized)
        }
    }

    func signOut(_ request: Request, context: KAMRequestContext) async throws -> Response {
        guard Self.fromThisSite(request) else {
            return OfficePage.render("sign-in", OfficeViews.SignInPage(error: Self.otherSite, next: "/office/"), status: .forbidden)
        }
        if let secret = request.cookies[Self.cookieName]?.value { try await service.signOut(session: secret) }
        var response = Response(status: .seeOther, headers: [.location: "/office/sign-in"])
        response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/office", secure: Self.isHTTPS(request), httpOnly: true, sameSite: .strict))
        return response
    }

    /// Where to go after signing in: a dashboard page, never another site.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/office/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return "/office/" }
        return next
    }

    /// Whether a reverse proxy says the browser reached it over HTTPS (`X-Forwarded-Proto: https`):
    /// then the cookie is marked Secure.
    static func isHTTPS(_ request: Request) -> Bool {
        request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    static let otherSite = "This form was sent from another site, so nothing was done. Open the sign-in page on this server and try again."

    /// Whether a form was posted from a page of this server, as the browser reports it
    /// (`Sec-Fetch-Site`, else `Origin` against the request's host). A request with neither,
    /// from a program rather than a browser, is taken.
    static func fromThisSite(_ request: Request) -> Bool {
        if let site = request.headers[.init("Sec-Fetch-Site")!]?.lowercased() {
            return site == "same-origin" || site == "none"
        }
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority, let url = URL(string: origin), let originHost = url.host else { return false }
        return (originHost + (url.port.map { ":\($0)" } ?? "")).lowercased() == host.lowercased()
    }

    // MARK: Pages

    func pipeline(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let report = try await service.pipeline(for: user)
        return OfficePage.render("pipeline", OfficeViews.PipelinePage(report, chrome: OfficeChrome(title: "Pipeline", user: user, current: "/office/")))
    }

    func accounts(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let chrome = OfficeChrome(title: "Accounts", user: user, current: "/office/accounts")
        var query = AccountQuery(limit: OfficeViews.AccountsPage.pageSize)
        var problem: String?
        do {
            let parameters = request.query
            query = try Routes.accountQuery(parameters)
            if parameters["limit"] == nil { query.limit = OfficeViews.AccountsPage.pageSize }
        } catch let error as APIError {
            problem = error.message
        }
        let list = try await service.accounts(matching: query, for: user)
        return OfficePage.render("accounts", OfficeViews.AccountsPage(list, query: query, chrome: chrome, error: problem), status: problem == nil ? .ok : .badRequest)
    }

    func accountsCSV(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let table = RecordTable.accounts(try await service.accountRecords(matching: try Routes.accountQuery(request.query), for: user))
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"accounts.csv\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(data: table.data(byteOrderMark: true))))
    }

    func account(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let raw = try context.parameters.require("id")
        guard let id = RecordID(rawValue: raw), let detail = try await service.account(id, for: user) else {
            throw APIError(.notFound, code: "not-found", message: "There is no account '\(raw.prefix(80))' that you may see.")
        }
        return OfficePage.render("account", OfficeViews.AccountPage(detail, user: user))
    }

    func pyramid(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (range, problem) = Self.asked(PeriodRange.lastFourQuarters(before: Day.today())) { try Routes.periodRange(request) }
        let report = PyramidReport(try await service.reportData(for: user), range: range)
        let chrome = OfficeChrome(title: "Value pyramid", user: user, current: "/office/pyramid")
        return OfficePage.render("pyramid", OfficeViews.PyramidPage(report, chrome: chrome, error: problem), status: problem == nil ? .ok : .badRequest)
    }

    func movements(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let fallback = DayRange.quarterToDate(Day.today())
        let (range, problem) = Self.asked(fallback) { try Routes.dayRange(request, default: fallback) }
        let report = MovementReport(try await service.reportData(for: user), range: range)
        let chrome = OfficeChrome(title: "Stage movements", user: user, current: "/office/movements")
        return OfficePage.render("movements", OfficeViews.MovementsPage(report, chrome: chrome, error: problem), status: problem == nil ? .ok : .badRequest)
    }

    func complaints(_ request: Request, context: KAMRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let fallback = try DayRange()
        let (range, problem) = Self.asked(fallback) { try Routes.dayRange(request, default: fallback) }
        let report = ComplaintReport(try await service.reportData(for: user), range: range)
        let chrome = OfficeChrome(title: "Complaints", user: user, current: "/office/complaints")
        return OfficePage.render("complaints", OfficeViews.ComplaintsPage(report, chrome: chrome, error: problem), status: problem == nil ? .ok : .badRequest)
    }

    /// The range a page's form asked for; when it cannot be read, `fallback` and what was wrong, to show on the page.
    static func asked<Range>(_ fallback: Range, _ parse: () throws -> Range) -> (Range, String?) {
        do { return (try parse(), nil) } catch let error as APIError { return (fallback, error.message) } catch { return (fallback, "\(error)") }
    }
}

/// Rendering a page: HTML with headers that keep it to this server.
enum OfficePage {
    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .contentSecurityPolicy: "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        .init("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    static func render(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html = OfficeTemplates.library.render(model, withTemplate: template) ?? "template \(template) is missing"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Lets a signed-in office user, manager or admin through; sends anyone else to sign in.
struct OfficeSessionMiddleware: RouterMiddleware {
    typealias Context = KAMRequestContext
    let service: SyncService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let secret = request.cookies[OfficeRoutes.cookieName]?.value, !secret.isEmpty,
            let user = try await service.officeUser(session: secret), user.role != .rep
        {
            var context = context
            context.user = user
            context.logger[metadataKey: "user"] = "\(user.name)"
            return try await next(request, context)
        }
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        return Response(status: .seeOther, headers: [.location: OfficeViews.href("/office/sign-in", [("next", OfficeRoutes.safeNext(target))])])
    }
}

/// Shows an error on a signed-in page as a page, not as the API's JSON.
struct OfficeErrorMiddleware: RouterMiddleware {
    typealias Context = KAMRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let api = APIError(error)
            guard let user = context.user else { throw error }
            if api.status.code >= 500 { context.logger.error("office page failed", metadata: ["error": "\(error)"]) }
            let title = api.status == .notFound ? "Not found" : "Something went wrong"
            return OfficePage.render(
                "error", OfficeViews.ErrorPage(chrome: OfficeChrome(title: title, user: user, current: ""), message: api.message),
                status: api.status)
        }
    }
}
