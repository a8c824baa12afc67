#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization

/// The worker's HTTP port for operations, on SwiftNIO's HTTP/1 server:
/// `GET /metrics` (Prometheus text format, for scrapers), `GET /healthz` (the process is
/// alive) and `GET /readyz` (200 when ``WorkerReadiness`` says the worker can do its work,
/// else 503 with what is missing).
///
/// Whatever a client does on this port must never stop or slow the worker, so connections
/// are served concurrently on one event-loop thread of its own and bounded by ``Limits``:
/// silent, dribbling and oversized requests are closed without holding up anyone else, and
/// a peer that vanishes mid-answer costs an `EPIPE`, never the process (SIGPIPE is ignored).
public final class MetricsEndpoint: Service, Sendable {
    /// What one client may take from the port.
    public struct Limits: Sendable {
        /// A connection with no traffic either way for this long is closed (a client that
        /// connects and sends nothing, an idle keep-alive, a client not reading its answer).
        public var idleTimeout: Duration
        /// A request must be complete this long after its first byte arrived.
        public var requestTimeout: Duration
        /// Bound on a request's head and on head plus body; beyond it the answer is 431 or
        /// 413 and the connection is closed.
        public var maxRequestBytes: Int
        /// Connections open at once; more are closed as soon as they are accepted.
        public var maxConnections: Int

        public init(idleTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(5), maxRequestBytes: Int = 8192, maxConnections: Int = 64) {
            self.idleTimeout = idleTimeout
            self.requestTimeout = requestTimeout
            self.maxRequestBytes = maxRequestBytes
            self.maxConnections = maxConnections
        }
    }

    public let registry: PrometheusCollectorRegistry
    /// What `/readyz` reports; without one, `/readyz` answers 404.
    public let readiness: WorkerReadiness?
    public let limits: Limits
    /// The port it listens on (useful when asked for port 0).
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let server: any Channel
    private let connections: ConnectionCount
    private let logger: Logger

    /// Connections open now (for tests and diagnostics).
    public var openConnections: Int { connections.current }

    /// Binds `host:port` now, so a taken port fails at start-up with a configuration error;
    /// `port` 0 picks a free one. Serving starts with ``run()``. Waits for the bind without
    /// holding a Swift concurrency thread.
    public init(
        host: String = "0.0.0.0", port: Int, registry: PrometheusCollectorRegistry, readiness: WorkerReadiness? = nil,
        limits: Limits = Limits(), logger: Logger
    ) async throws {
        // NIO ignores SIGPIPE itself on Linux; said here too, because a peer leaving must
        // never end the worker, whichever socket it was on.
        signal(SIGPIPE, SIG_IGN)
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw ConfigurationError(problems: ["--metrics-port: \(host) is not an IP address to listen on"])
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = ConnectionCount()
        let routes = MetricsRoutes(registry: registry, readiness: readiness)
        let server: any Channel
        do {
            server = try await Self.bootstrap(group: group, routes: routes, limits: limits, connections: connections, logger: logger)
                .bind(to: address).get()
        } catch {
            try? await group.shutdownGracefully()
            throw ConfigurationError(problems: ["--metrics-port \(port): cannot listen on \(host):\(port): \(error)"])
        }
        self.group = group
        self.server = server
        self.connections = connections
        self.port = server.localAddress?.port ?? port
        self.registry = registry
        self.readiness = readiness
        self.limits = limits
        self.logger = logger
    }

    /// Serves until graceful shutdown or cancellation, then closes every connection.
    public func run() async throws {
        logger.info("metrics endpoint listening", metadata: ["port": "\(port)", "paths": "/metrics /healthz /readyz"])
        let server = self.server
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await server.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            server.close(promise: nil)
        }
        // Closes the connections still open with the event loop.
        try? await group.shutdownGracefully()
    }

    private static func bootstrap(
        group: MultiThreadedEventLoopGroup, routes: MetricsRoutes, limits: Limits, connections: ConnectionCount, logger: Logger
    ) -> ServerBootstrap {
        let maxConnections = limits.maxConnections
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                guard connections.open(limit: maxConnections) else {
                    logger.debug("metrics connection refused: too many open", metadata: ["limit": "\(maxConnections)"])
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in connections.closed() }
                return channel.eventLoop.makeCompletedFuture {
                    let deadline = RequestDeadlineHandler(timeout: TimeAmount(limits.requestTimeout), logger: logger)
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(allTimeout: TimeAmount(limits.idleTimeout)))
                    try pipeline.addHandler(deadline)
                    var decoderLimits = NIOHTTPDecoderLimitConfiguration()
                    decoderLimits.maxHeaderFieldSize = limits.maxRequestBytes
                    decoderLimits.maxHeaderListSize = limits.maxRequestBytes
                    try pipeline.configureHTTPServerPipeline(
                        withPipeliningAssistance: false, withErrorHandling: false,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
                    try pipeline.addHandler(MetricsHTTPHandler(
                        routes: routes, maxRequestBytes: limits.maxRequestBytes, lingerTime: .seconds(1),
                        deadline: deadline, logger: logger))
                }
            }
    }
}

/// Connections open on the port, bounded by ``MetricsEndpoint/Limits/maxConnections``.
private final class ConnectionCount: Sendable {
    private let count = Atomic<Int>(0)

    var current: Int { count.load(ordering: .relaxed) }

    /// Counts a new connection, unless `limit` are open already.
    func open(limit: Int) -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = count.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func closed() {
        count.subtract(1, ordering: .relaxed)
    }
}
