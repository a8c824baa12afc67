import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kafka
import Logging
import OfferEngine
import OfferWorker
import Prometheus
import Testing

@Suite("Metrics, health and readiness endpoint")
struct MetricsEndpointTests {
    @Test("a worker process serves its counters and state gauge at GET /metrics, and /healthz")
    func scrape() async throws {
        let group = try await WorkerGroup(partitions: 2)
        let worker = try group.startWorker(["--metrics-port", "0"])
        let carts = (0..<5).map { Fixtures.cart("metered-\($0)", lines: [Fixtures.phoneLine]) }
        try await group.send(carts: carts)
        try await group.waitUntilCommitted(try await group.inputs(carts: 5))
        let port = try #require(worker.lastValue(of: "port", inLinesContaining: "metrics endpoint listening"))

        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        let text = String(decoding: data, as: UTF8.self)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(text.contains(#"offer_worker_input_events_total{topic="cart.updated"} 5"#), "\(text)")
        #expect(text.contains("offer_worker_offers_presented_total 10"), "\(text)")
        #expect(text.contains("offer_worker_cart_sessions 5"), "\(text)")

        let (health, healthResponse) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
        #expect((healthResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: health, as: UTF8.self) == "ok\n")

        let (_, missing) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/nothing")!)
        #expect((missing as? HTTPURLResponse)?.statusCode == 404)

        // What killed the worker with SIGPIPE (exit 141): a silent client holding the port while
        // others ask and leave before their answer is written.
        let (scrapedMeanwhile, _) = try await offPool { () -> (Int, [RawHTTPConnection]) in
            let silent = try (0..<5).map { _ in try RawHTTPConnection(port: port) }
            for _ in 0..<30 {
                let impatient = try RawHTTPConnection(port: port)
                impatient.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
                impatient.reset()
            }
            return (try RawHTTPConnection(port: port).get("/metrics").status, silent)
        }
        #expect(scrapedMeanwhile == 200)
        #expect(try await worker.stop() == 0)
    }

    @Test("a worker process answers /readyz 503 until its partitions are restored, then 200")
    func workerReadiness() async throws {
        let group = try await WorkerGroup(partitions: 2)
        let worker = try group.startWorker(["--metrics-port", "0"])
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = worker.lastValue(of: "port", inLinesContaining: "metrics endpoint listening")
            if port == nil { try await Task.sleep(for: .milliseconds(25)) }
        }
        let metricsPort = try #require(port)
        var notReady: [String] = []
        var ready = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !ready, ContinuousClock.now < deadline {
            let answer = try await offPool { try RawHTTPConnection(port: metricsPort).get("/readyz", keepAlive: false) }
            if answer.status == 200 {
                ready = true
            } else {
                #expect(answer.status == 503)
                notReady.append(answer.body)
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(ready, "last answers: \(notReady.suffix(3))")
        #expect(notReady.allSatisfy { $0.hasPrefix("not ready:\n- ") }, "\(notReady)")
        // Ready means restored: every owned partition logged its restore before.
        #expect(worker.log.components(separatedBy: "partition state restored").count - 1 == 2, "\(worker.log)")
        #expect(try await worker.stop() == 0)
    }

    @Test("/healthz is 200, /readyz is 503 naming what is missing until every part is ready, then 200; one keep-alive connection")
    func readinessOverHTTP() async throws {
        let readiness = WorkerReadiness()
        try await withEndpoint(readiness: readiness) { endpoint in
            let port = endpoint.port
            let connection = try RawHTTPConnection(port: port)
            let answers = try await offPool { () -> [RawHTTPConnection.Response] in
                var answers = [try connection.get("/healthz"), try connection.get("/readyz")]
                readiness.partitionsAssigned([
                    TopicPartition(topic: "cart.updated", partition: 0), TopicPartition(topic: "offer.accepted", partition: 0),
                    TopicPartition(topic: "cart.updated", partition: 1), TopicPartition(topic: "offer.accepted", partition: 1),
                ])
                readiness.restored(partition: 0)
                readiness.catalogLoaded()
                answers.append(try connection.get("/readyz"))
                readiness.restored(partition: 1)
                readiness.polled()
                answers.append(try connection.get("/readyz?verbose=1"))
                return answers
            }
            #expect(answers[0].status == 200 && answers[0].body == "ok\n")
            #expect(answers[1].status == 503)
            #expect(answers[1].body == """
                not ready:
                - no partitions assigned yet: still joining the consumer group
                - offer catalog not loaded yet
                - consumer has not polled yet

                """)
            #expect(answers[2].status == 503)
            #expect(answers[2].body == "not ready:\n- cart state of partitions 1 not restored yet\n- consumer has not polled yet\n")
            #expect(answers[3].status == 200 && answers[3].body == "ready\n")
            #expect(answers.allSatisfy { $0.headers["connection"] == "keep-alive" })
        }
    }

    @Test("/metrics is Prometheus text; HEAD has no body, other methods 405, other paths 404, Connection: close is honoured")
    func routes() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "test", metricName: "events", unitName: "total", helpText: "test events")).increment(by: Int64(3))
        try await withEndpoint(registry: registry) { endpoint in
            let port = endpoint.port
            let (metrics, head, post, missing, closed) = try await offPool {
                let connection = try RawHTTPConnection(port: port)
                let metrics = try connection.get("/metrics")
                let head = try connection.get("/metrics", method: "HEAD")
                let post = try connection.get("/metrics", method: "POST")
                let missing = try connection.get("/nothing")
                let closing = try RawHTTPConnection(port: port)
                _ = try closing.get("/healthz", keepAlive: false)
                return (metrics, head, post, missing, closing.serverClosed())
            }
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(metrics.body.contains("test_events_total 3"), "\(metrics.body)")
            #expect(head.status == 200 && head.body.isEmpty && head.headers["content-length"] == "\(metrics.body.utf8.count)")
            #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
            #expect(missing.status == 404)
            #expect(closed, "the server closes after answering Connection: close")
            // /readyz is not served when no worker reports readiness.
            let readyz = try await offPool { try RawHTTPConnection(port: port).get("/readyz") }
            #expect(readyz.status == 404)
        }
    }

    @Test("a taken port fails at start-up with a message naming it")
    func portTaken() async throws {
        try await withEndpoint { endpoint in
            await #expect {
                _ = try await MetricsEndpoint(host: "127.0.0.1", port: endpoint.port, registry: PrometheusCollectorRegistry(), logger: Self.logger)
            } throws: { error in
                "\(error)".contains("--metrics-port \(endpoint.port): cannot listen on 127.0.0.1:\(endpoint.port)")
            }
        }
    }

    @Test("silent, reset, dribbling and oversized connections neither block scrapes nor end the server; each is closed or refused")
    func abusiveConnections() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "test", metricName: "events", unitName: "total", helpText: "test events")).increment()
        // Ready for the whole test, however slowly a loaded machine runs it.
        let readiness = WorkerReadiness(maxPollInterval: .seconds(3600))
        readiness.partitionsAssigned([])
        readiness.catalogLoaded()
        readiness.polled()
        let limits = MetricsEndpoint.Limits(idleTimeout: .seconds(2), requestTimeout: .seconds(1), maxRequestBytes: 8192, maxConnections: 64)
        try await withEndpoint(registry: registry, readiness: readiness, limits: limits) { endpoint in
            let port = endpoint.port
            // Connect and send nothing, as the client that stopped the old endpoint did.
            let silent = try (0..<20).map { _ in try RawHTTPConnection(port: port, timeout: .seconds(6)) }
            // Half a request, then a reset.
            for _ in 0..<10 {
                let connection = try RawHTTPConnection(port: port)
                connection.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Partial: ")
                connection.reset()
            }
            let start = ContinuousClock.now
            async let oversized = offPool { () -> [String] in
                // A megabyte of header: refused with 431, or cut off while it is still being sent.
                try (0..<3).map { _ in
                    let connection = try RawHTTPConnection(port: port)
                    let failed = connection.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: " + String(repeating: "a", count: 1 << 20) + "\r\n\r\n")
                    if let answer = try? connection.readResponse() { return "\(answer.status)" }
                    return failed == nil ? "closed" : "send failed"
                }
            }
            async let headTooLarge = offPool { try RawHTTPConnection(port: port).get("/metrics?" + String(repeating: "q", count: 16_384)) }
            async let bodyTooLarge = offPool { () -> RawHTTPConnection.Response in
                let connection = try RawHTTPConnection(port: port)
                connection.send("POST /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "b", count: 20_000))
                return try connection.readResponse()
            }
            async let dribbled = offPool { () -> (closed: Bool, after: Duration) in
                // One header byte every 100 ms: never idle, never complete.
                let connection = try RawHTTPConnection(port: port)
                let opened = ContinuousClock.now
                connection.send("GET /metrics HTTP/1.1\r\n")
                for byte in String(repeating: "x", count: 60).utf8 {
                    if connection.send([byte]) != nil { break }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                return (connection.serverClosed(), ContinuousClock.now - opened)
            }
            async let scrapes = offPool { () -> [(path: String, status: Int, took: Duration)] in
                var results: [(path: String, status: Int, took: Duration)] = []
                for round in 0..<40 {
                    let path = round.isMultiple(of: 2) ? "/metrics" : "/readyz"
                    let begun = ContinuousClock.now
                    let answer = try RawHTTPConnection(port: port).get(path, keepAlive: false)
                    results.append((path, answer.status, ContinuousClock.now - begun))
                    Thread.sleep(forTimeInterval: 0.05)
                }
                return results
            }

            let scraped = try await scrapes
            #expect(scraped.allSatisfy { $0.status == 200 }, "\(scraped)")
            let slowest = scraped.map(\.took).max()!
            #expect(slowest < .milliseconds(500), "slowest scrape took \(slowest)")
            let oversizedOutcomes = try await oversized
            #expect(oversizedOutcomes.allSatisfy { ["431", "closed", "send failed"].contains($0) }, "\(oversizedOutcomes)")
            let (headRefusal, bodyRefusal) = (try await headTooLarge, try await bodyTooLarge)
            #expect(headRefusal.status == 431)
            #expect(bodyRefusal.status == 413)
            let (dribbledClosed, dribbledFor) = try await dribbled
            #expect(dribbledClosed)
            #expect(dribbledFor >= .seconds(1) && dribbledFor < .seconds(10), "a dribbled request was cut after \(dribbledFor)")

            // The silent connections are closed by the server, about the idle timeout after they opened.
            let silentClosed = try await offPool { silent.map { $0.serverClosed() } }
            #expect(silentClosed.allSatisfy { $0 }, "\(silentClosed)")
            // Generous: the suite runs beside the others on two cores.
            #expect(ContinuousClock.now - start < .seconds(240))
            var open = endpoint.openConnections
            for _ in 0..<40 where open > 0 {
                try await Task.sleep(for: .milliseconds(50))
                open = endpoint.openConnections
            }
            #expect(open == 0)
            let after = try await offPool { try RawHTTPConnection(port: port).get("/metrics") }
            #expect(after.status == 200 && after.body.contains("test_events_total 1"))
            print("abusive connections: slowest of \(scraped.count) scrapes \(slowest), oversized outcomes \(oversizedOutcomes), dribbled request cut after \(dribbledFor)")
        }
    }

    @Test("connections past the limit are closed at once; the port serves again when they go")
    func connectionLimit() async throws {
        // A long idle timeout: the held connections must stay open however slowly the test runs.
        let limits = MetricsEndpoint.Limits(idleTimeout: .seconds(600), maxConnections: 4)
        try await withEndpoint(limits: limits) { endpoint in
            let port = endpoint.port
            let held = try (0..<4).map { _ in try RawHTTPConnection(port: port) }
            // The server counts a connection once its channel is active: wait for all four.
            for _ in 0..<100 where endpoint.openConnections < 4 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(endpoint.openConnections == 4)
            let refused = try await offPool { try RawHTTPConnection(port: port, timeout: .seconds(2)).serverClosed() }
            #expect(refused)
            _ = held
            let (first, second) = try await offPool { () -> (RawHTTPConnection.Response, RawHTTPConnection.Response) in
                (try held[0].get("/healthz"), try held[1].get("/healthz"))
            }
            #expect(first.status == 200 && second.status == 200)
        }
    }

    static let logger = Logger(label: "metrics-endpoint-test")

    /// Runs `body` against an endpoint on a free loopback port, then shuts the endpoint down.
    private func withEndpoint(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), readiness: WorkerReadiness? = nil,
        limits: MetricsEndpoint.Limits = .init(), _ body: (MetricsEndpoint) async throws -> Void
    ) async throws {
        let endpoint = try await MetricsEndpoint(host: "127.0.0.1", port: 0, registry: registry, readiness: readiness, limits: limits, logger: Self.logger)
        let running = Task { try await endpoint.run() }
        do {
            try await body(endpoint)
        } catch {
            running.cancel()
            _ = await running.result
            throw error
        }
        running.cancel()
        _ = await running.result
    }
}
