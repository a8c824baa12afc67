#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Serves the worker's metrics in the Prometheus text format at `GET /metrics`, for
/// scrapers. A deliberately small HTTP/1.1 server (one connection at a time, closed after
/// each response): scrapes are rare and tiny.
public final class MetricsEndpoint: Service, Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The port it listens on (useful when asked for port 0).
    public let port: Int
    private let socket: Int32
    private let logger: Logger

    /// Binds `host:port` now, so a taken port fails at start-up; `port` 0 picks a free one.
    public init(host: String = "0.0.0.0", port: Int, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        if let problem = WorkerConfiguration.rangeProblem("--metrics-port", port, WorkerConfiguration.Bounds.metricsPort) {
            throw ConfigurationError(problems: [problem])
        }
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConfigurationError(problems: ["--metrics-port: cannot open a socket (errno \(errno))"]) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            Glibc.close(fd)
            throw ConfigurationError(problems: ["--metrics-host \(host): not an IPv4 address"])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw ConfigurationError(problems: ["--metrics-port \(port): cannot listen on \(host):\(port): \(reason)"])
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.socket = fd
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.registry = registry
        self.logger = logger
    }

    /// Serves until graceful shutdown.
    public func run() async throws {
        logger.info("metrics endpoint listening", metadata: ["port": "\(port)", "path": "/metrics"])
        let thread = Thread { [self] in serve() }
        thread.name = "metrics-endpoint"
        thread.start()
        try? await gracefulShutdown()
        // Unblocks accept(), which ends the serving thread.
        shutdown(socket, Int32(SHUT_RDWR))
        Glibc.close(socket)
    }

    private func serve() {
        while true {
            let client = accept(socket, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            respond(to: client)
            Glibc.close(client)
        }
    }

    private func respond(to client: Int32) {
        var request = [UInt8](repeating: 0, count: 4096)
        let count = read(client, &request, request.count)
        let firstLine = count > 0 ? String(decoding: request[..<count], as: UTF8.self).prefix { $0 != "\r" && $0 != "\n" } : ""
        let (status, body): (String, [UInt8]) = firstLine.hasPrefix("GET /metrics")
            ? ("200 OK", registry.emitToBuffer())
            : ("404 Not Found", Array("not found: metrics are at GET /metrics\n".utf8))
        let head = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        for part in [Array(head.utf8), body] {
            var sent = 0
            while sent < part.count {
                let written = part[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                guard written > 0 else { return }
                sent += written
            }
        }
    }
}
