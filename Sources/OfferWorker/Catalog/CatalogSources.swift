import Foundation
import Kafka
import Logging
import Metrics
import OfferEngine
import Synchronization
import UnixSignals

/// Metrics of catalog changes, by source (`file` or `topic`).
struct CatalogMetrics: Sendable {
    let offers = Gauge(label: "offer_worker_catalog_offers")
    /// The catalog's ``OfferCatalog/fingerprint``: equal on pods that run the same offers.
    let version = Gauge(label: "offer_worker_catalog_version")
    let lastReload = Gauge(label: "offer_worker_catalog_last_reload_timestamp_seconds")
    let fileUpdates = Counter(label: "offer_worker_catalog_updates_total", dimensions: [("source", "file")])
    let topicUpdates = Counter(label: "offer_worker_catalog_updates_total", dimensions: [("source", "topic")])
    let fileRejections = Counter(label: "offer_worker_catalog_rejected_total", dimensions: [("source", "file")])
    let topicRejections = Counter(label: "offer_worker_catalog_rejected_total", dimensions: [("source", "topic")])

    /// Records the catalog now in force, loaded at start-up or reloaded just now.
    func loaded(_ catalog: OfferCatalog) {
        offers.record(catalog.offers.count)
        version.record(Double(catalog.fingerprint))
        lastReload.record(Date().timeIntervalSince1970)
    }
}

/// Reloads the catalog file when its contents change (checked every `interval`) and on
/// SIGHUP. A file that does not load is refused with its problems logged; the last good
/// catalog stays in force and the worker carries on.
struct CatalogFileWatcher: Sendable {
    let path: String
    /// How often to look at the file; `nil` for SIGHUP only.
    let interval: Duration?
    let live: LiveCatalog
    let metrics: CatalogMetrics
    let logger: Logger

    func run() async {
        let lastContents = LastContents(FileManager.default.contents(atPath: path))
        await withDiscardingTaskGroup { group in
            if let interval {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        let contents = FileManager.default.contents(atPath: path)
                        let changed = lastContents.replace(with: contents)
                        if changed { reload(reason: "file changed") }
                    }
                }
            }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    _ = lastContents.replace(with: FileManager.default.contents(atPath: path))
                    reload(reason: "SIGHUP")
                }
            }
        }
    }

    private func reload(reason: String) {
        do {
            let catalog = try CatalogFile.load(path: path)
            try live.replaceFileOffers(catalog.offers)
            metrics.fileUpdates.increment()
            metrics.loaded(live.current.catalog)
            logger.info("offer catalog reloaded", metadata: ["file": "\(path)", "reason": "\(reason)", "offers": "\(catalog.offers.count)"])
        } catch {
            metrics.fileRejections.increment()
            logger.error("offer catalog file refused; the last good catalog stays in force", metadata: [
                "file": "\(path)", "reason": "\(reason)", "problems": "\(Self.problems(of: error))",
            ])
        }
    }

    /// The file contents last looked at, shared by the timer and the signal handler.
    private final class LastContents: Sendable {
        private let contents: Mutex<Data?>
        init(_ contents: Data?) { self.contents = Mutex(contents) }

        /// Stores `new`; returns whether it is readable and differs from before.
        func replace(with new: Data?) -> Bool {
            contents.withLock { last in
                defer { last = new }
                return new != nil && new != last
            }
        }
    }

    static func problems(of error: any Error) -> String {
        switch error {
        case let error as ConfigurationError: error.problems.joined(separator: "; ")
        case let error as CatalogError: error.problems.joined(separator: "; ")
        default: "\(error)"
        }
    }
}

/// Follows a compacted catalog topic (key offerId, value the offer as JSON, an empty value
/// deletes it), read in full by every worker, outside the consumer group.
final class CatalogTopicFollower: Sendable {
    let topic: String
    let live: LiveCatalog
    private let logger: Logger
    private let follower: CompactedTopicFollower

    init(topic: String, kafka: KafkaConfiguration, live: LiveCatalog, metrics: CatalogMetrics, logger: Logger) throws {
        self.topic = topic
        self.live = live
        self.logger = logger
        let records = CatalogTopicRecords(live: live, metrics: metrics, logger: logger)
        follower = try CompactedTopicFollower(
            topic: topic, name: "catalog", groupId: "offer-worker-catalog", kafka: kafka, logger: logger, apply: records.apply)
    }

    /// Reads the topic from the beginning up to its end as of now, then follows it from
    /// there; the worker processes no event before this returns.
    func loadAll(partitions: Int) async throws {
        let records = try await follower.loadAll(partitions: partitions)
        logger.info("offer catalog topic read", metadata: ["topic": "\(topic)", "records": "\(records)", "offers": "\(live.current.catalog.offers.count)"])
    }

    /// Applies changes as they arrive, until cancelled.
    func follow() async { await follower.follow() }

    func close() async { await follower.close() }
}

/// Applies records of the catalog topic to the live catalog.
private struct CatalogTopicRecords: Sendable {
    let live: LiveCatalog
    let metrics: CatalogMetrics
    let logger: Logger

    func apply(_ record: ConsumerRecord) {
        guard let offerId = record.keyString, !offerId.isEmpty else {
            return refuse(record, "no key: the key must be the offerId")
        }
        // Problems name the record, not the offer's place in the merged catalog.
        let source = "\(record.topic)[partition \(record.partition), offset \(record.offset), key '\(offerId)']"
        do {
            if let value = record.value, !value.isEmpty {
                let offer = try OfferCatalog.loadOffer(json: Data(value), at: source)
                guard offer.offerId == offerId else {
                    return refuse(record, "\(source).offerId: the key '\(offerId)' is not the offer's offerId '\(offer.offerId)'")
                }
                try live.setTopicOffer(offerId, offer, source: source)
            } else {
                try live.setTopicOffer(offerId, nil)
            }
            metrics.topicUpdates.increment()
            metrics.loaded(live.current.catalog)
            logger.info("offer catalog updated from the topic", metadata: ["offerId": "\(offerId)", "deleted": "\(record.value?.isEmpty ?? true)"])
        } catch {
            refuse(record, CatalogFileWatcher.problems(of: error))
        }
    }

    private func refuse(_ record: ConsumerRecord, _ reason: String) {
        metrics.topicRejections.increment()
        logger.error("offer from the catalog topic refused; the last good version stays in force", metadata: [
            "topic": "\(record.topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
            "key": "\(record.keyString ?? "")", "reason": "\(reason)",
        ])
    }
}
