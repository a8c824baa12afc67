import Foundation
import Kafka
import OfferEngine
@testable import OfferWorker
import Prometheus
import Testing

/// The figures operators scale and alert on, scraped from a running worker process and
/// checked against what the test sent and read back.
@Suite("Operational metrics: lag, per-offer counts, restores, catalog version")
struct OperationalMetricsTests {
    @Test("during a run, /metrics shows each input partition's uncommitted records, per-offer counts, restores and the catalog's version")
    func scrapedDuringARun() async throws {
        let group = try await WorkerGroup(partitions: 2)
        // Commits a minute apart: everything the worker does in the test is still lag.
        let worker = try group.startWorker(["--metrics-port", "0", "--commit-interval-ms", "60000", "-X", "statistics.interval.ms=200"])
        try await group.send(carts: (0..<8).map { Fixtures.cart("lag-\($0)", lines: [Fixtures.phoneLine]) })
        let reader = try await KafkaTopicReader(configuration: group.kafka, topics: [group.topics.offerPresented, group.topics.cartMutation])
        let presented = try await reader.read(topic: group.topics.offerPresented, count: 16)
            .map { try Fixtures.codec.decode(OfferPresented.self, from: $0.value ?? []) }
        let upsells = presented.filter { $0.offerKind == .upsell }
        try await group.producer.sendAll(upsells.map {
            let acceptance = Fixtures.accept($0.presentationId, cart: $0.cartId, minute: 5, event: "accept-\($0.presentationId)")
            return ProducerRecord(topic: group.topics.offerAccepted, key: Array($0.cartId.utf8), value: Fixtures.codec.encode(acceptance), timestamp: acceptance.occurredAt.millisecondsSinceEpoch)
        })
        let acceptances = upsells.count
        let mutations = try await reader.read(topic: group.topics.cartMutation, count: acceptances)
            .map { try Fixtures.codec.decode(CartMutation.self, from: $0.value ?? []) }
        await reader.close()
        let inputs = try await group.inputs(carts: 8, acceptances: acceptances)
        let port = try #require(worker.lastValue(of: "port", inLinesContaining: "metrics endpoint listening"))

        // Statistics come every 200 ms; the figure settles once every input was fetched.
        var metrics = PrometheusText("")
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            metrics = PrometheusText(try await offPool { try RawHTTPConnection(port: port).get("/metrics").body })
            if metrics.value("offer_worker_consumer_lag_total") == Double(inputs.count) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(acceptances == 8 && inputs.count == 16)
        #expect(metrics.value("offer_worker_consumer_lag_total") == Double(inputs.count), "\(metrics.lines(of: "offer_worker_consumer_lag"))")
        let perPartition = Dictionary(grouping: inputs, by: \.topicPartition).mapValues(\.count)
        for (partition, count) in perPartition {
            #expect(metrics.value("offer_worker_consumer_lag", ["topic": partition.topic, "partition": "\(partition.partition)"]) == Double(count),
                    "\(partition): \(metrics.lines(of: "offer_worker_consumer_lag"))")
        }

        for (offerId, count) in Dictionary(grouping: presented, by: \.offerId).mapValues(\.count) {
            #expect(metrics.value("offer_worker_offer_events_total", ["offer_id": offerId, "event": "presented"]) == Double(count))
        }
        for (offerId, count) in Dictionary(grouping: mutations, by: \.offerId).mapValues(\.count) {
            #expect(metrics.value("offer_worker_offer_events_total", ["offer_id": offerId, "event": "mutation"]) == Double(count))
        }
        #expect(metrics.value("offer_worker_partition_restores_total", ["source": "changelog"]) == 2)
        #expect(metrics.value("offer_worker_partition_restore_duration_seconds_count") == 2)
        #expect(metrics.value("offer_worker_rebalances_total", ["event": "assigned"]) ?? 0 >= 1)
        #expect(metrics.value("offer_worker_event_processing_seconds_count") == Double(inputs.count))
        #expect(metrics.value("offer_worker_outputs_in_flight") != nil)
        let catalog = try OfferCatalog(offers: Fixtures.offers)
        #expect(metrics.value("offer_worker_catalog_version") == Double(catalog.fingerprint))
        let reloaded = try #require(metrics.value("offer_worker_catalog_last_reload_timestamp_seconds"))
        #expect(abs(reloaded - Date().timeIntervalSince1970) < 120)
        #expect(try await worker.stop() == 0)
    }

    @Test("top -H and perf show the worker's threads by name: its loop, its decoder and its Kafka clients'")
    func threadsAreNamed() async throws {
        let group = try await WorkerGroup(partitions: 2)
        let worker = try group.startWorker()
        try await group.send(carts: (0..<4).map { Fixtures.cart("named-\($0)", lines: [Fixtures.phoneLine]) })
        let reader = try await KafkaTopicReader(configuration: group.kafka, topics: [group.topics.offerPresented])
        _ = try await reader.read(topic: group.topics.offerPresented, count: 8)
        await reader.close()
        let names = worker.threadNames
        for name in ["offer-loop", "offer-decode", "kafka-consumer", "rdk:main"] {
            #expect(names.contains(name), "\(name) among \(names.sorted())")
        }
        #expect(try await worker.stop() == 0)
    }

    @Test("offer-worker allocates with mimalloc, as it is linked: the library is mapped and the start-up line names it")
    func allocatorIsMimalloc() async throws {
        let group = try await WorkerGroup(partitions: 2)
        let worker = try group.startWorker()
        let started = await ScalingTests().eventually(timeout: .seconds(20)) { worker.log.contains("offer worker started: consuming") }
        #expect(started, "\(worker.log)")
        let line = worker.log.split(separator: "\n").first { $0.contains("offer worker started: consuming") }.map(String.init) ?? ""
        #expect(line.contains("allocator=mimalloc"), "\(line)")
        #expect(worker.mappedFiles.contains { $0.contains("libmimalloc") }, "\(worker.mappedFiles)")
        // The test process itself is not linked with it: the same detection tells glibc.
        #expect(ProcessAllocator.name == "glibc")
        #expect(try await worker.stop() == 0)
    }

    @Test("a thread name is cut to the 15 bytes Linux keeps, at a character boundary")
    func longNamesAreCut() async throws {
        /// The kernel's name of a thread started as `name`, read from inside it.
        func kernelName(of name: String) async throws -> String {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
                NamedThread.start(name) {
                    continuation.resume(with: Result { try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) })
                }
            }
        }
        #expect(try await kernelName(of: "offer-worker-decoder-é") == "offer-worker-de\n")
        // 16 bytes: the last character does not fit whole.
        #expect(try await kernelName(of: "décodeur-panier") == "décodeur-panie\n")
    }

    @Test("per-offer series stop at the label limit; later offers are counted as _other")
    func offerLabelsAreCapped() {
        let registry = PrometheusCollectorRegistry()
        let counters = OfferEventCounters(labelLimit: 2, factory: PrometheusMetricsFactory(registry: registry))
        for offerId in ["a", "b", "c", "d", "a"] { counters.increment(.presented, offerId: offerId) }
        counters.increment(.mutation, offerId: "d")
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let metrics = PrometheusText(String(decoding: buffer, as: UTF8.self))
        #expect(metrics.value("offer_worker_offer_events_total", ["offer_id": "a", "event": "presented"]) == 2)
        #expect(metrics.value("offer_worker_offer_events_total", ["offer_id": "b", "event": "presented"]) == 1)
        #expect(metrics.value("offer_worker_offer_events_total", ["offer_id": "_other", "event": "presented"]) == 2)
        #expect(metrics.value("offer_worker_offer_events_total", ["offer_id": "_other", "event": "mutation"]) == 1)
        #expect(metrics.value("offer_worker_offer_events_total", ["offer_id": "c", "event": "presented"]) == nil)
    }

    @Test("the catalog version is the same number for the same offers, in any order, and changes with them")
    func catalogVersion() throws {
        let catalog = try OfferCatalog(offers: Fixtures.offers)
        #expect(try OfferCatalog(offers: Fixtures.offers.reversed()).fingerprint == catalog.fingerprint)
        #expect(try OfferCatalog(offers: Array(Fixtures.offers.dropLast())).fingerprint != catalog.fingerprint)
        #expect(catalog.fingerprint < 1 << 48, "a Prometheus float holds it exactly")
    }
}

/// Samples of Prometheus's text format, by name and labels.
struct PrometheusText {
    private let samples: [(name: String, labels: [String: String], value: Double)]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return (String(series), [:], value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return (String(series[..<brace]), labels, value)
        }
    }

    /// The value of the sample named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    func lines(of name: String) -> [String] {
        samples.filter { $0.name == name }.map { "\($0.labels) \($0.value)" }
    }
}
