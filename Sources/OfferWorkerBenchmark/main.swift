// Cart events per second through the whole worker on the embedded broker, against the
// ceiling of the same Kafka round trip without the offer logic, measured in the same run.
//
//   swift build -c release --product OfferWorkerBenchmark && .build/release/OfferWorkerBenchmark
//
// Both runs read the same cart.updated records in a consumer group, produce one record per
// input with acks=all, wait for the acknowledgements and commit each batch. The ceiling
// copies each record's bytes; the worker decodes it, evaluates the catalog, writes the
// offer.presented event and the cart's state to the changelog. Each run is timed from
// the group's first commit until it has committed every input. The record count is sized to the
// embedded broker's ~5 MB per partition.
import Foundation
import Kafka
import Logging
import OfferEngine
import OfferWorker
import ServiceLifecycle

let carts = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8_000
let partitions = 4
let topics = TopicNames()
let quiet: Logger = {
    var logger = Logger(label: "benchmark")
    logger.logLevel = .critical
    return logger
}()

let cluster = try EmbeddedKafkaCluster.withWorkerTopics(topics, partitions: partitions)
try cluster.createTopic("ceiling.out", partitions: partitions)
let kafka = KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers])
let codec = EventCodec()
let catalog = try OfferCatalog.load(json: Data(#"""
{"offers":[{"offerId":"case-bundle","kind":"crossSell","status":"active","priority":5,"currency":"EUR",
  "displayCriteria":{"all":[{"cartContains":{"collectionIds":["phones"]}},{"not":{"subtotal":{"gte":"5000.00"}}}]},
  "items":[{"productId":"phone-case","variantId":"phone-case-black","quantity":1,"unitPrice":"29.00"}]}]}
"""#.utf8))

// The input: one cart event per cart, each with two lines.
let producer = try KafkaProducer(configuration: kafka, logger: quiet)
let time = EventTime(rfc3339: "2026-11-24T10:00:00Z")!
let records = (0..<carts).map { index -> ProducerRecord in
    let cart = CartUpdated(
        eventId: "evt-\(index)", cartId: "cart-\(index)", version: 1, occurredAt: time.adding(seconds: index % 3600), currency: "EUR",
        lines: [
            CartLine(lineId: "l1", productId: "phone-std", variantId: "phone-std-64", quantity: 1, unitPrice: DecimalAmount("799.00")!, collectionIds: ["phones"]),
            CartLine(lineId: "l2", productId: "usb-cable", variantId: "usb-cable-1m", quantity: 2, unitPrice: DecimalAmount("9.50")!),
        ])
    return ProducerRecord(topic: topics.cartUpdated, key: Array(cart.cartId.utf8), value: codec.encode(cart))
}
try await producer.sendAll(records)
producer.close()
let ends = try await endOffsets(of: topics.cartUpdated)

/// Events per second `group` processes: measured from its first commit (so the group join
/// is left out) until it has committed every input.
@MainActor
func committedRate(group: String) async throws -> (rate: Double, seconds: Double) {
    let inspector = try KafkaConsumer(configuration: kafka.merging(["group.id": group]), logger: quiet)
    let total = ends.values.reduce(0, +)
    var first: (time: ContinuousClock.Instant, count: Int64)?
    while true {
        let committed = try await inspector.committed(Array(ends.keys))
        let count = committed.values.reduce(0, +)
        if first == nil, count > 0 { first = (ContinuousClock.now, count) }
        if count >= total { break }
        try await Task.sleep(for: .milliseconds(5))
    }
    await inspector.close()
    let elapsed = ContinuousClock.now - first!.time
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (Double(total - first!.count) / seconds, seconds)
}

@MainActor
func endOffsets(of topic: String) async throws -> [TopicPartition: Int64] {
    let reader = try KafkaConsumer(configuration: kafka.merging(["group.id": "watermarks"]), logger: quiet)
    var ends: [TopicPartition: Int64] = [:]
    for partition in 0..<Int32(partitions) {
        let tp = TopicPartition(topic: topic, partition: partition)
        ends[tp] = try await reader.watermarks(of: tp).high
    }
    await reader.close()
    return ends
}

/// The ceiling: consume, produce the same bytes, await acks, commit; no offer logic.
@MainActor
func ceiling() async throws -> (rate: Double, seconds: Double) {
    let consumer = try KafkaConsumer(configuration: kafka.merging(["group.id": "ceiling"]), logger: quiet)
    let output = try KafkaProducer(configuration: kafka, logger: quiet)
    try consumer.subscribe(to: [topics.cartUpdated])
    let copier = Task {
        while !Task.isCancelled {
            for case .records(let batch) in try await consumer.poll(maxRecords: 500, timeout: .milliseconds(100)) {
                try await output.sendAll(batch.map { ProducerRecord(topic: "ceiling.out", key: $0.key, value: $0.value) })
                var offsets: [TopicPartition: Int64] = [:]
                for record in batch { offsets[record.topicPartition] = record.offset + 1 }
                try await consumer.commit(offsets)
            }
        }
    }
    let result = try await committedRate(group: "ceiling")
    copier.cancel()
    _ = await copier.result
    output.close()
    await consumer.close()
    return result
}

/// The worker, in-process, as `offer-worker run` runs it.
@MainActor
func worker() async throws -> (rate: Double, seconds: Double) {
    let worker = OfferWorker(configuration: WorkerConfiguration(kafka: kafka, groupId: "bench-worker"), catalog: catalog, logger: quiet)
    let group = ServiceGroup(services: [worker], logger: quiet)
    let running = Task { try await group.run() }
    let result = try await committedRate(group: "bench-worker")
    await group.triggerGracefulShutdown()
    try await running.value
    return result
}

@MainActor
func peakResidentMemory() -> String {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    return status.split(separator: "\n").first { $0.hasPrefix("VmHWM") }.map { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().joined(separator: " ") } ?? "n/a"
}

let ceilingRun = try await ceiling()
let workerRun = try await worker()
print("inputs: \(carts) cart.updated events over \(partitions) partitions (embedded broker); rates from each group's first commit to its last")
print(String(format: "ceiling (consume → produce → ack → commit, no offer logic):     %8.0f events/s (%.2f s)", ceilingRun.rate, ceilingRun.seconds))
print(String(format: "offer worker (decode → evaluate → present → changelog → commit): %8.0f events/s (%.2f s)", workerRun.rate, workerRun.seconds))
print(String(format: "ratio worker / ceiling: %.2f", workerRun.rate / ceilingRun.rate))
print("peak resident memory: \(peakResidentMemory())")
