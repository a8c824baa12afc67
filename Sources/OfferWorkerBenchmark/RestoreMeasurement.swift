import Foundation
import Kafka
import OfferEngine
import OfferWorker

/// How long restoring `carts` carts' state takes: their changelog records (one state value
/// each, as the worker wrote them after one cart event) read into a fresh worker's store
/// the way a restore reads a changelog partition, without the broker's fetches.
struct RestoreMeasurement {
    var carts: Int
    var records: Int
    var bytes: Int
    var seconds: Double
    var cpuSeconds: Double

    static let targetSeconds = 2.0

    static func measure(carts: Int, partitions: Int) throws -> RestoreMeasurement {
        // The state the worker keeps for `carts` carts, after one event each.
        let events = Workload.cartEvents(carts: carts, versions: 1, prefix: "restore", spacingMilliseconds: 2)
        let placed = StandaloneCommand.place(events.map(\.cartId), partitions: partitions)
        let topics = TopicNames()
        var configuration = WorkerConfiguration(kafka: KafkaConfiguration(), topics: topics)
        configuration.maxEventTimeAhead = nil
        configuration.maxEventTimeBehind = nil
        var writer = RecordProcessor(catalog: try Workload.catalog(offers: 100), configuration: configuration)
        var outputs: [ProducerRecord] = []
        for (position, event) in events.enumerated() {
            outputs.removeAll(keepingCapacity: true)
            writer.process(
                ConsumerRecord(
                    topic: topics.cartUpdated, partition: placed[position].partition, offset: placed[position].offset,
                    key: Array(event.cartId.utf8), value: HotCodec.encode(event)),
                into: &outputs)
        }
        var byPartition: [Int32: [ConsumerRecord]] = [:]
        var bytes = 0
        for record in writer.takeChangelog() {
            let partition = record.partition ?? 0
            byPartition[partition, default: []].append(ConsumerRecord(
                topic: record.topic, partition: partition, offset: Int64(byPartition[partition]?.count ?? 0), key: record.key,
                value: record.value, timestamp: record.timestamp))
            bytes += record.value?.count ?? 0
        }

        var reader = RecordProcessor(catalog: try Workload.catalog(offers: 100), configuration: configuration)
        let cpuStart = threadCPUSeconds()
        let start = ContinuousClock.now
        var restored = 0
        for partition in byPartition.keys.sorted() {
            restored += reader.restore(partition: partition, changelog: byPartition[partition]!).carts
        }
        let seconds = (ContinuousClock.now - start).seconds
        let cpu = threadCPUSeconds() - cpuStart
        precondition(reader.cartCount == carts, "restored \(reader.cartCount) carts of \(carts)")
        return RestoreMeasurement(
            carts: restored, records: byPartition.values.reduce(0) { $0 + $1.count }, bytes: bytes, seconds: seconds, cpuSeconds: cpu)
    }

    func report(into report: inout Report) {
        report.figure(
            "restore \(Report.grouped(Double(carts))) carts (changelog values → store, no fetch)",
            String(format: "%.3f s (%.3f s CPU)", seconds, cpuSeconds), value: seconds, atMost: Self.targetSeconds, "< 2 s")
    }

    var detail: String {
        String(
            format: "restore: %d changelog records (%.1f MB, mean %.0f bytes) over the partitions into a fresh store in %.3f s, %.3f s CPU; Kafka's fetch of those bytes is not included",
            records, Double(bytes) / 1e6, Double(bytes) / Double(max(records, 1)), seconds, cpuSeconds)
    }
}
