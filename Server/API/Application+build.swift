import Hummingbird
import KAMProtocol
import Logging
import ServiceLifecycle

/// The kam server as a Hummingbird application: a ServiceLifecycle service
/// that stops gracefully on SIGTERM and SIGINT.
///
/// `services` run beside the server and stop after it (a PostgreSQL store's
/// connection pool); `beforeServerStarts` runs once they do, before the
/// first request is taken (the database's migrations).
public func buildApplication(
    configuration: ServerConfiguration, service: SyncService, metrics: ServerMetrics = ServerMetrics(),
    logger: Logger = Logger(label: "kam.server"), services: [any Service] = [],
    beforeServerStarts: (@Sendable () async throws -> Void)? = nil
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, service: service, metrics: metrics)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kam-server"),
        services: services,
        logger: logger)
    if let beforeServerStarts { app.beforeServerStarts(perform: beforeServerStarts) }
    return app
}

/// The router alone, for tests and for the OpenAPI check.
public func buildRouter(configuration: ServerConfiguration, service: SyncService, metrics: ServerMetrics) -> Router<KAMRequestContext> {
    let router = Router(context: KAMRequestContext.self)
    // Outside the error middleware, so every answer is counted, errors from any middleware included.
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    Routes(service: service, metrics: metrics, configuration: configuration).add(to: router)
    return router
}
