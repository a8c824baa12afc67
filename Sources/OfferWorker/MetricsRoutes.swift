import NIOHTTP1
import Prometheus

/// What the metrics port answers, apart from the connection handling: `GET /metrics`
/// (Prometheus text), `GET /healthz` (alive) and `GET /readyz` (ready to do its work).
///
/// Kept apart from the HTTP handler so the answers stay plain values: the handler decides
/// only how and whether to send them.
struct MetricsRoutes: Sendable {
    struct Response {
        var status: HTTPResponseStatus
        var contentType = "text/plain; charset=utf-8"
        var body: [UInt8]
        var extraHeaders: [(String, String)] = []
    }

    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    let registry: PrometheusCollectorRegistry
    /// Nil when no worker reports readiness to this endpoint: `/readyz` then says so with 404.
    let readiness: WorkerReadiness?

    func respond(method: HTTPMethod, uri: String) -> Response {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        let known = ["/metrics", "/healthz", "/readyz"]
        guard known.contains(path) else {
            return Response(status: .notFound, body: Array("not found: this port serves GET /metrics, /healthz and /readyz\n".utf8))
        }
        guard method == .GET || method == .HEAD else {
            return Response(
                status: .methodNotAllowed, body: Array("\(method) not allowed: use GET\n".utf8),
                extraHeaders: [("Allow", "GET, HEAD")])
        }
        switch path {
        case "/metrics":
            return Response(status: .ok, contentType: Self.prometheusContentType, body: registry.emitToBuffer())
        case "/healthz":
            return Response(status: .ok, body: Array("ok\n".utf8))
        default:
            guard let readiness else {
                return Response(status: .notFound, body: Array("not found: readiness is not tracked by this process\n".utf8))
            }
            let (ready, reasons) = readiness.status()
            if ready { return Response(status: .ok, body: Array("ready\n".utf8)) }
            return Response(
                status: .serviceUnavailable,
                body: Array(("not ready:\n" + reasons.map { "- \($0)\n" }.joined()).utf8))
        }
    }
}
