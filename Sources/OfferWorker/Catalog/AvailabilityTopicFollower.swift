import Foundation
import Kafka
import Logging
import Metrics
import OfferEngine

/// Follows the compacted availability topic (`--availability-topic`; key variantId, value a
/// ``VariantAvailability`` as JSON, an empty value deletes the entry, which makes the variant
/// available again), read in full by every worker before it processes any event, like the
/// catalog topic and with the same machinery.
///
/// A change only affects what later events see: no cart is re-evaluated because of it.
final class AvailabilityTopicFollower: Sendable {
    let topic: String
    let live: LiveAvailability
    private let logger: Logger
    private let follower: CompactedTopicFollower

    init(topic: String, kafka: KafkaConfiguration, live: LiveAvailability, logger: Logger) throws {
        self.topic = topic
        self.live = live
        self.logger = logger
        let records = AvailabilityTopicRecords(live: live, logger: logger)
        follower = try CompactedTopicFollower(
            topic: topic, name: "availability", groupId: "offer-worker-availability", kafka: kafka, logger: logger, apply: records.apply)
    }

    /// Reads the topic to its end as of now, then follows it from there.
    func loadAll(partitions: Int) async throws {
        let records = try await follower.loadAll(partitions: partitions)
        logger.info("availability topic read", metadata: [
            "topic": "\(topic)", "records": "\(records)", "variants": "\(live.current.availability.entries.count)",
        ])
    }

    /// Applies changes as they arrive, until cancelled.
    func follow() async { await follower.follow() }

    func close() async { await follower.close() }
}

/// Applies records of the availability topic.
private struct AvailabilityTopicRecords: Sendable {
    let live: LiveAvailability
    let logger: Logger
    let updates = Counter(label: "offer_worker_availability_updates_total")
    let rejections = Counter(label: "offer_worker_availability_rejected_total")
    let variants = Gauge(label: "offer_worker_availability_variants")

    func apply(_ record: ConsumerRecord) {
        guard let variantId = record.keyString, !variantId.isEmpty else {
            return refuse(record, "no key: the key must be the variantId")
        }
        let source = "\(record.topic)[partition \(record.partition), offset \(record.offset), key '\(variantId)']"
        if let value = record.value, !value.isEmpty {
            do {
                let update = try VariantAvailability.load(json: Data(value), at: source)
                guard update.variantId == variantId else {
                    return refuse(record, "\(source).variantId: the key '\(variantId)' is not the record's variantId '\(update.variantId)'")
                }
                live.set(variantId, ProductAvailability.Entry(available: update.available, quantity: update.quantity))
            } catch {
                return refuse(record, error.problems.joined(separator: "; "))
            }
        } else {
            live.set(variantId, nil)
        }
        updates.increment()
        variants.record(live.current.availability.entries.count)
        logger.debug("availability updated", metadata: ["variantId": "\(variantId)", "deleted": "\(record.value?.isEmpty ?? true)"])
    }

    private func refuse(_ record: ConsumerRecord, _ reason: String) {
        rejections.increment()
        logger.error("availability record refused; the variant keeps its last good entry", metadata: [
            "topic": "\(record.topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
            "key": "\(record.keyString ?? "")", "reason": "\(reason)",
        ])
    }
}
