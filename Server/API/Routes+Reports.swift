import Hummingbird
import KAMProtocol

/// The office's reports under `/v1/reports/`: each computed by KAMProtocol
/// from the accounts the caller may see, as `kam report` computes it on a laptop.
extension Routes {
    func addReports(to v1: RouterGroup<KAMRequestContext>) {
        let group = v1.group("reports").add(middleware: JSONOnlyMiddleware())
        group.get("pipeline") { _, context in try await service.pipeline(for: context.requireUser()) }
        group.get("pyramid") { request, context in
            let range = try Self.periodRange(request)
            return PyramidReport(try await service.reportData(for: context.requireUser()), range: range)
        }
        group.get("movements") { request, context in
            let range = try Self.dayRange(request, default: DayRange.quarterToDate(Day.today()))
            return MovementReport(try await service.reportData(for: context.requireUser()), range: range)
        }
        group.get("declining") { _, context in
            DecliningReport(try await service.reportData(for: context.requireUser()))
        }
        group.get("risks") { _, context in
            RiskReport(try await service.reportData(for: context.requireUser()))
        }
        group.get("complaints") { request, context in
            let range = try Self.dayRange(request, default: try DayRange())
            return ComplaintReport(try await service.reportData(for: context.requireUser()), range: range)
        }
    }

    /// `from` and `to` as periods (`2026-Q3`, `2026-07`); see ``PeriodRange/asked(from:to:today:)``.
    static func periodRange(_ request: Request) throws -> PeriodRange {
        let from: Period? = try typed(request, "from", example: "2026-Q1 or 2026-01")
        let to: Period? = try typed(request, "to", example: "2026-Q4 or 2026-12")
        do {
            return try PeriodRange.asked(from: from, to: to, today: Day.today())
        } catch {
            throw APIError.badRequest(error.description)
        }
    }

    /// `from` and `to` as days (`2026-11-30`), either left open; `fallback` when neither is given.
    static func dayRange(_ request: Request, default fallback: DayRange) throws -> DayRange {
        let from: Day? = try typed(request, "from", example: "2026-10-01")
        let to: Day? = try typed(request, "to", example: "2026-12-31")
        if from == nil, to == nil { return fallback }
        do {
            return try DayRange(from: from, to: to)
        } catch {
            throw APIError.badRequest(error.description)
        }
    }

    static func typed<T: TypedText>(_ request: Request, _ name: String, example: String) throws -> T? {
        guard let text = request.query[name], !text.isEmpty else { return nil }
        do {
            return try T(parsing: text)
        } catch {
            throw APIError.badRequest("\(name) '\(text.prefix(40))' is not valid: \(error) (for example \(example))")
        }
    }
}

/// Refuses, with 406, a request whose `Accept` does not take JSON.
struct JSONOnlyMiddleware: RouterMiddleware {
    typealias Context = KAMRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try Routes.requireJSON(request)
        return try await next(request, context)
    }
}
