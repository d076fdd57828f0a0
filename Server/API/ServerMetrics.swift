import Hummingbird
import Metrics
import Prometheus

/// The server's metrics, kept in its own Prometheus registry and served at `/metrics`.
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
    }

    func request(method: String, route: String, status: Int) {
        Counter(label: "kam_http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory)
            .increment()
    }

    func pushed(_ request: Int, _ acknowledgement: PushAcknowledgementSummary) {
        Recorder(label: "kam_push_field_states", factory: factory).record(request)
        Counter(label: "kam_merged_field_states_total", factory: factory).increment(by: acknowledgement.accepted)
        Counter(label: "kam_refused_records_total", factory: factory).increment(by: acknowledgement.refused)
        Counter(label: "kam_conflicts_created_total", factory: factory).increment(by: acknowledgement.conflicts)
    }

    func pulled(records: Int) {
        Recorder(label: "kam_pull_records", factory: factory).record(records)
    }

    /// The metrics in Prometheus' text format.
    public func render() -> String { registry.emitToString() }
}

struct PushAcknowledgementSummary {
    var accepted: Int
    var refused: Int
    var conflicts: Int
}

/// Counts every request by method, route template (never the raw path, so
/// the labels stay few) and status; an unknown path counts as `NotFound`.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Only reached if something throws past the error middleware.
            metrics.request(method: Self.method(request), route: Self.route(context), status: Int(APIError(error).status.code))
            throw error
        }
        metrics.request(method: Self.method(request), route: Self.route(context), status: Int(response.status.code))
        return response
    }

    /// The standard methods by name; any other (a client may send anything) as `other`.
    static func method(_ request: Request) -> String {
        let standard: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        return standard.contains(request.method.rawValue) ? request.method.rawValue : "other"
    }

    static func route(_ context: Context) -> String {
        guard let path = context.endpointPath else { return "NotFound" }
        return path.hasPrefix("/") || path == "NotFound" ? path : "/" + path
    }
}
