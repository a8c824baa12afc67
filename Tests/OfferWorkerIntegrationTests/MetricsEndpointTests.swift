import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kafka
import OfferEngine
import OfferWorker
import Testing

@Suite("Prometheus metrics endpoint")
struct MetricsEndpointTests {
    @Test("a worker process serves its counters and state gauge at GET /metrics")
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

        let (_, missing) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/nothing")!)
        #expect((missing as? HTTPURLResponse)?.statusCode == 404)
        #expect(try await worker.stop() == 0)
    }
}
