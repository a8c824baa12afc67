import Foundation
import Kafka
import Logging
import OfferEngine
import Synchronization

/// The worker's hot path: poll → process → produce → (changelog) → commit, pipelined on a
/// thread of its own.
///
/// Nothing waits per batch: outputs are produced while earlier ones are in flight, delivery
/// reports are taken in batches on the same thread, and offsets are committed asynchronously
/// every commit interval, up to where every consequence of every input (its outputs and the
/// changelog record of its cart) is acknowledged (``DeliveryProgress``). The in-flight window
/// is bounded: when it is full, the loop stops polling input until acknowledgements drain it.
///
/// Crash safety, at any moment: an input's offset is committed only after its outputs and
/// state are acknowledged, and the changelog is written only after the outputs it accounts
/// for, so a restart either re-processes an input from older state into identical outputs
/// (same ids), or finds it applied and emits nothing new because its outputs are stored.
///
/// Exactly-once mode puts one commit interval's outputs, changelog and offsets in one
/// transaction. All librdkafka calls that block (poll, flush, transactions, close) run here,
/// never on Swift's cooperative pool; the async world only starts and stops the thread.
final class ProcessingPipeline: @unchecked Sendable {
    struct Settings {
        var topics: TopicNames
        var cartIdleSeconds: Int
        var engine: OfferEngineSettings
        var exactlyOnce: Bool
        var maxBatchSize: Int
        var commitInterval: Duration
        /// Outputs and changelog records in flight at most before input polling pauses.
        var maxInFlight = 20_000
    }

    private enum Stop: UInt8 { case running, graceful, immediate }

    /// What the loop keeps of a record handed to the producer and not yet acknowledged. The
    /// record itself is not kept: a failed one comes back in its delivery report
    /// (``PipelineDelivery/failure``), and the buffers of the rest are freed as soon as
    /// librdkafka has copied them, while they are still in the CPU's cache.
    private struct InFlight {
        var epoch: Int
        var isChangelog: Bool
        var attempts: Int
        /// The input whose consequence this is, so a record-scope refusal can dead-letter it.
        var source: ConsumerRecord? = nil
        /// The record's timestamp, which its failed report does not give back (set by `send`).
        var timestamp: Int64? = nil
    }

    private let consumer: KafkaConsumer
    private let producer: KafkaPipelineProducer
    private let restorer: KafkaPartitionReader
    private let logger: Logger
    private let settings: Settings
    private let live: LiveCatalog
    private let liveAvailability: LiveAvailability
    private var availabilityGeneration = 0
    private let readiness: WorkerReadiness
    private(set) var processor: EventProcessor
    private(set) var store = CartStateStore()
    private var progress = DeliveryProgress()
    private var inFlight: [UInt: InFlight] = [:]
    private var retries: [(due: ContinuousClock.Instant, flight: InFlight, record: ProducerRecord)] = []
    private var nextToken: UInt = 1
    private var catalogGeneration = 0
    private var assigned = Set<TopicPartition>()
    private var lag: ConsumerLagGauges
    private static let deadLetterLogWindow = Duration.seconds(10)
    private var deadLetterLog = LogBudget(burst: 20, window: ProcessingPipeline.deadLetterLogWindow)
    private var lastCommitted: [TopicPartition: Int64] = [:]
    private var inTransaction = false
    private var outputs: [ProducerRecord] = []
    /// Decodes each large batch's cart events beside the loop (while `runOnThread` runs).
    private var decodeAhead: DecodeAhead?
    private var failure: (any Error)?
    private let stop = Atomic<UInt8>(Stop.running.rawValue)

    init(
        consumer: KafkaConsumer, producer: KafkaPipelineProducer, restorer: KafkaPartitionReader, live: LiveCatalog,
        processor: EventProcessor, settings: Settings, readiness: WorkerReadiness = WorkerReadiness(), logger: Logger,
        availability: LiveAvailability = LiveAvailability()
    ) {
        liveAvailability = availability
        self.readiness = readiness
        self.consumer = consumer
        self.producer = producer
        self.restorer = restorer
        self.live = live
        self.processor = processor
        self.settings = settings
        self.logger = logger
        lag = ConsumerLagGauges(factory: processor.metrics.factory)
        catalogGeneration = live.current.generation
    }

    /// Carts held, for the final log line.
    var cartCount: Int { store.cartCount }

    /// Runs the loop on its own thread until graceful shutdown (finishing, committing and
    /// leaving the group) or cancellation (stopping at once, committing only what is
    /// acknowledged).
    func run() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                NamedThread.start("offer-loop") { [self] in
                    do {
                        try runOnThread()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancel: {
            requestStop(.immediate)
        }
    }

    /// Asks the loop to finish: `graceful` drains and commits, `immediate` stops at once.
    func requestStop(graceful: Bool) { requestStop(graceful ? .graceful : .immediate) }

    private func requestStop(_ mode: Stop) {
        var current = stop.load(ordering: .acquiring)
        while current < mode.rawValue {
            let (exchanged, original) = stop.compareExchange(expected: current, desired: mode.rawValue, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    private var stopMode: Stop { Stop(rawValue: stop.load(ordering: .acquiring))! }

    // MARK: The loop

    private func runOnThread() throws {
        let ahead = DecodeAhead(name: "offer-decode")
        decodeAhead = ahead
        defer {
            decodeAhead = nil
            ahead.stop()
        }
        consumer.setRevokeHandler { [unowned self] partitions, lost in revoked(partitions, lost: lost) }
        defer { consumer.setRevokeHandler(nil) }
        var nextCommit = ContinuousClock.now + settings.commitInterval
        do {
            while stopMode == .running {
                if let failure { throw failure }
                if let fatal = producer.fatalError ?? consumer.fatalError { throw WorkerError.deliveryFailed(topic: "(producer)", error: fatal) }
                if let error = consumer.takeCommitFailure(), !error.isRetriable, !WorkerError.isRebalanceError(error) {
                    // Retriable failures are superseded by the next commit; this one never will be.
                    throw WorkerError.commitFailed(error)
                }
                if inFlight.count >= settings.maxInFlight {
                    // Backpressure: wait for acknowledgements, not for more input.
                    takeDeliveries(timeout: .milliseconds(10))
                } else {
                    let idle = inFlight.isEmpty && retries.isEmpty
                    let wait = idle ? min(Duration.milliseconds(100), settings.commitInterval) : .zero
                    var events = try consumer.pollBlocking(maxRecords: settings.maxBatchSize, timeout: wait)
                    readiness.polled()
                    if let statistics = consumer.takeStatistics() { lag.update(statistics, assigned: assigned) }
                    try handle(events)
                    let polledNothing = events.isEmpty
                    consumer.recycle(&events)
                    takeDeliveries(timeout: polledNothing && !idle ? .milliseconds(1) : .zero)
                }
                try resendDue()
                try produceReadyChangelogs()
                if ContinuousClock.now >= nextCommit {
                    try endInterval()
                    nextCommit = ContinuousClock.now + settings.commitInterval
                }
            }
            if let failure { throw failure }
            if stopMode == .graceful {
                try finish()
            }
        } catch {
            logger.error("processing stopped on error; what is not committed will be processed again on restart", metadata: ["error": "\(error)"])
            if settings.exactlyOnce, inTransaction { try? producer.abortTransaction(timeout: .seconds(5)) }
            commitDurable(blocking: true)
            consumer.closeBlocking()
            throw error
        }
    }

    private func handle(_ events: [ConsumerEvent]) throws {
        for event in events {
            switch event {
            case .records(let records):
                try process(records)
            case .partitionsAssigned(let partitions):
                logger.info("partitions assigned", metadata: ["partitions": "\(partitions.sorted())"])
                processor.metrics.partitionsAssigned.increment()
                readiness.partitionsAssigned(partitions)
                for partition in Set(partitions.map(\.partition)).subtracting(store.ownedPartitions).sorted() {
                    try takeOwnership(of: partition)
                    readiness.restored(partition: partition)
                }
                assigned.formUnion(partitions)
                processor.metrics.cartSessions.record(store.cartCount)
            case .partitionsRevoked(let partitions, let lost):
                // The work was finished in `revoked(_:lost:)`, before the partitions went.
                logger.info("partitions revoked", metadata: ["partitions": "\(partitions.sorted())", "lost": "\(lost)"])
            }
        }
    }

    private func process(_ records: [ConsumerRecord]) throws {
        let start = ContinuousClock.now
        let (catalog, generation) = live.current
        if generation != catalogGeneration {
            processor.engine = OfferEngine(catalog: catalog, settings: settings.engine)
            catalogGeneration = generation
        }
        let (availability, availabilityGeneration) = liveAvailability.current
        if availabilityGeneration != self.availabilityGeneration {
            processor.availability = availability
            self.availabilityGeneration = availabilityGeneration
        }
        if settings.exactlyOnce, !inTransaction {
            try producer.beginTransaction()
            inTransaction = true
        }
        var skipped = 0
        var touched = Set<Int32>()
        // Bound once: calling through the stored property copied the processor (and retained
        // everything it holds) for every record.
        let processor = self.processor
        let ahead = records.count >= DecodeAhead.minimumBatch ? decodeAhead : nil
        ahead?.begin(records, processor: processor)
        defer { if let ahead { processor.metrics.decodedAhead.increment(by: ahead.end()) } }
        // A batch holds runs of one partition's records: ownership is looked up, and the
        // offset reached recorded, once per run instead of hashing the topic for every record.
        var run: PartitionRun?
        for (index, record) in records.enumerated() {
            if run.map({ $0.partition.partition != record.partition || $0.partition.topic != record.topic }) ?? true {
                if let run { finish(run, touched: &touched) }
                let partition = record.topicPartition
                run = PartitionRun(partition: partition, owned: assigned.contains(partition))
            }
            guard run!.owned else { skipped += 1; continue }
            outputs.removeAll(keepingCapacity: true)
            let began = ContinuousClock.now
            if let ahead {
                ahead.withDecoded(index) { processor.process(record, decoded: $0, store: &store, into: &outputs) }
            } else {
                processor.process(record, store: &store, into: &outputs)
            }
            processor.metrics.eventProcessing.record(duration: began.duration(to: .now))
            // Moved out of `outputs` (a record or two each), not copied: `for in` retained
            // every buffer of every output, released again when `outputs` was cleared.
            while !outputs.isEmpty {
                let output = outputs.removeFirst()
                if output.topic == settings.topics.deadLetter { logDeadLetter(of: record, output) }
                try send(output, InFlight(epoch: progress.currentEpoch, isChangelog: false, attempts: 0, source: record))
            }
            run!.next = record.offset + 1
        }
        if let run { finish(run, touched: &touched) }
        if skipped > 0 { logger.warning("records of partitions not owned skipped", metadata: ["count": "\(skipped)"]) }
        var evicted = 0
        for partition in touched { evicted += store.evictIdleCarts(partition: partition, idleSeconds: settings.cartIdleSeconds) }
        if evicted > 0 {
            processor.metrics.evictedCarts.increment(by: evicted)
            logger.info("idle carts forgotten", metadata: ["evicted": "\(evicted)", "carts": "\(store.cartCount)"])
        }
        processor.metrics.cartSessions.record(store.cartCount)
        processor.metrics.outputsInFlight.record(inFlight.count)
        processor.metrics.batchDuration.record(duration: start.duration(to: .now))
    }

    /// Consecutive records of one partition in a batch.
    private struct PartitionRun {
        var partition: TopicPartition
        var owned: Bool
        /// The offset after the run's last processed record, once one is.
        var next: Int64?
    }

    /// Records how far a run of records reached.
    private func finish(_ run: PartitionRun, touched: inout Set<Int32>) {
        guard let next = run.next else { return }
        progress.processed(run.partition, next: next)
        touched.insert(run.partition.partition)
    }

    /// One line per input that could not be used, with where to find it and why (at most
    /// ``deadLetterLog``'s burst per window; the rest are counted in one line).
    private func logDeadLetter(of record: ConsumerRecord, _ letter: ProducerRecord) {
        guard deadLetterLog.admit(report: reportHeldDeadLetters) else { return }
        logger.warning("input dead-lettered", metadata: [
            "topic": "\(record.topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
            "key": "\(record.keyString.map { String($0.prefix(200)) } ?? "")",
            "reason": "\(letter.headers.first { $0.name == "dlq_reason" }?.stringValue ?? "")",
        ])
    }

    /// Called from inside `deadLetterLog`'s mutating methods: must not touch it.
    private func reportHeldDeadLetters(_ count: Int) {
        logger.warning("more inputs dead-lettered, not logged one by one", metadata: [
            "count": "\(count)", "window": "\(Self.deadLetterLogWindow)",
        ])
    }

    // MARK: Producing and acknowledgements

    /// A delivery token no record in flight has.
    private func takeToken() -> UInt {
        defer { nextToken &+= 1 }
        return nextToken
    }

    /// Produces `record`, which is released here, and keeps `flight` until its report.
    /// `flight` is consumed: moved into `inFlight`, not copied (a copy retained and later
    /// released its source's buffers, for every output).
    private func send(_ record: consuming ProducerRecord, _ flight: consuming InFlight) throws {
        flight.timestamp = record.timestamp
        let token = takeToken()
        if flight.attempts == 0, !flight.isChangelog { progress.outputProduced(epoch: flight.epoch) }
        do {
            try producer.produce(record, token: token)
        } catch where error.isRecordScoped {
            return try setAside(record, flight, refusedWith: error)
        } catch {
            throw WorkerError.deliveryFailed(topic: record.topic, error: error)
        }
        inFlight[token] = flight
    }

    /// Contains a record Kafka refuses for itself (too large, invalid): no single input may
    /// stop the worker. An output is replaced by its input's dead letter; a dead letter by a
    /// smaller one (value, headers and key omitted); a state record by a tombstone (the cart
    /// starts afresh after a restart). Each is logged and counted; processing goes on.
    private func setAside(_ record: ProducerRecord, _ flight: InFlight, refusedWith error: KafkaError) throws {
        processor.metrics.poisonRecords.increment()
        var replacement = flight
        replacement.attempts = max(1, flight.attempts + 1)
        var replacementRecord = record
        let topic = record.topic
        if flight.isChangelog {
            logger.error("a cart's state record was refused by Kafka; it is deleted instead", metadata: [
                "topic": "\(topic)", "cartId": "\(record.key.map { String(decoding: $0, as: UTF8.self) } ?? "")", "error": "\(error)",
            ])
            guard record.value != nil else { return progress.changelogAcknowledged(epoch: flight.epoch) }
            replacementRecord.value = nil
        } else if let source = flight.source, !record.headers.contains(where: { $0.name == "dlq_key_omitted" }) {
            let minimal = topic == settings.topics.deadLetter
            logger.error(minimal ? "a dead letter was refused by Kafka; sending it without value, headers or key" : "an output was refused by Kafka; its input goes to the dead-letter topic", metadata: [
                "topic": "\(topic)", "source": "\(source.topic)[\(source.partition)]@\(source.offset)", "error": "\(error)",
            ])
            processor.metrics.deadLetters.increment()
            replacementRecord = ProducerRecord(
                deadLetterOf: source, reason: minimal ? "dead letter refused by Kafka: \(error)" : "output to \(topic) refused by Kafka: \(error)",
                topic: settings.topics.deadLetter, maxBytes: minimal ? 0 : processor.maxDeadLetterBytes)
        } else {
            logger.error("a record was refused by Kafka and could not be made smaller; dropped", metadata: ["topic": "\(topic)", "error": "\(error)"])
            return progress.outputAcknowledged(epoch: flight.epoch)
        }
        try send(replacementRecord, replacement)
    }

    private func takeDeliveries(timeout: Duration) {
        producer.pollDeliveries(timeout: timeout) { delivery in acknowledge(delivery) }
    }

    private func acknowledge(_ delivery: PipelineDelivery) {
        guard var flight = inFlight.removeValue(forKey: delivery.token) else { return }
        guard let failed = delivery.failure else {
            if flight.isChangelog {
                progress.changelogAcknowledged(epoch: flight.epoch)
                store.changelogWritten(partition: delivery.partition, offset: delivery.offset)
            } else {
                progress.outputAcknowledged(epoch: flight.epoch)
            }
            return
        }
        let error = failed.error
        // A failed report carries its record, but for its timestamp.
        var record = failed.record
        record.timestamp = flight.timestamp
        if error.isRecordScoped {
            do { try setAside(record, flight, refusedWith: error) } catch { failure = failure ?? error }
            return
        }
        guard error.isRetriable, !error.isFatal, !(stopMode != .running && flight.attempts >= 3) else {
            failure = failure ?? WorkerError.deliveryFailed(topic: record.topic, error: error)
            return
        }
        flight.attempts += 1
        processor.metrics.deliveryRetries.increment()
        logger.warning("retrying an undelivered record", metadata: ["topic": "\(record.topic)", "error": "\(error)", "attempt": "\(flight.attempts)"])
        retries.append((ContinuousClock.now + .milliseconds(min(100 << min(flight.attempts, 6), 5_000)), flight, record))
    }

    private func resendDue() throws {
        guard !retries.isEmpty else { return }
        let now = ContinuousClock.now
        let due = retries.filter { $0.due <= now }
        guard !due.isEmpty else { return }
        retries.removeAll { $0.due <= now }
        for (_, flight, record) in due { try send(record, flight) }
    }

    private func produceReadyChangelogs() throws {
        guard !settings.exactlyOnce else { return }
        for (epoch, records) in progress.takeReadyChangelogs() {
            for record in records { try send(record, InFlight(epoch: epoch, isChangelog: true, attempts: 0)) }
        }
        progress.collectDurable()
    }

    // MARK: Commit intervals

    /// Seals the interval's work: its changelog is taken, and in at-least-once mode the
    /// durable offsets are committed asynchronously; in exactly-once mode the transaction
    /// commits.
    private func endInterval() throws {
        deadLetterLog.rollOver(report: reportHeldDeadLetters)
        if settings.exactlyOnce {
            try commitTransaction()
        } else {
            if progress.currentHasWork || store.changesPending {
                progress.seal(changelog: store.takeChangelog(topic: settings.topics.changelog))
            }
            try produceReadyChangelogs()
            commitDurable(blocking: false)
        }
    }

    private func commitDurable(blocking: Bool) {
        progress.collectDurable()
        let offsets = progress.committable.filter { assigned.contains($0.key) && lastCommitted[$0.key] != $0.value }
        guard !offsets.isEmpty else { return }
        do {
            if blocking {
                // An unreachable coordinator would hold a plain blocking commit past any
                // shutdown deadline: an immediate stop abandons the wait.
                guard try consumer.commitBlocking(offsets, abandoningWhen: { stopMode == .immediate }) else {
                    logger.warning("offsets not committed: no answer from the group coordinator before the stop; their inputs will be processed again", metadata: [
                        "partitions": "\(offsets.count)",
                    ])
                    return
                }
            } else {
                try consumer.commitAsync(offsets)
            }
            lastCommitted.merge(offsets) { $1 }
        } catch {
            if WorkerError.isRebalanceError(error) {
                logger.info("offsets not committed: partitions were reassigned", metadata: ["error": "\(error)"])
            } else {
                logger.warning("offset commit failed; the next one supersedes it", metadata: ["error": "\(error)"])
            }
        }
    }

    private func commitTransaction() throws {
        guard inTransaction else { return }
        do throws(KafkaError) {
            // Settled by the commit itself, not by each record's report: the token is not
            // entered in `inFlight`, so the report finds nothing to acknowledge.
            for record in store.takeChangelog(topic: settings.topics.changelog) {
                try producer.produce(record, token: takeToken())
            }
            try producer.sendOffsetsToTransaction(progress.reached.filter { assigned.contains($0.key) }, of: consumer)
            try producer.commitTransaction()
        } catch {
            logger.error("transaction failed; aborting it", metadata: ["error": "\(error)"])
            try? producer.abortTransaction()
            inTransaction = false
            throw WorkerError.transactionFailed(error)
        }
        inTransaction = false
        takeDeliveries(timeout: .zero)
        inFlight.removeAll()
        progress.markAllDurable()
    }

    /// Waits, serving acknowledgements, until everything processed is durable, or until an
    /// immediate stop or `deadline`.
    private func drain(deadline: Duration) {
        let end = ContinuousClock.now + deadline
        if settings.exactlyOnce {
            do { try commitTransaction() } catch { failure = failure ?? error }
            return
        }
        if progress.currentHasWork || store.changesPending {
            progress.seal(changelog: store.takeChangelog(topic: settings.topics.changelog))
        }
        while !progress.isSettled || !inFlight.isEmpty || !retries.isEmpty {
            guard failure == nil, stopMode != .immediate, ContinuousClock.now < end else { break }
            takeDeliveries(timeout: .milliseconds(10))
            do {
                try resendDue()
                try produceReadyChangelogs()
            } catch {
                failure = failure ?? error
            }
        }
    }

    /// Runs on this thread inside `pollBlocking`, before partitions go: their work is
    /// finished and committed while the group generation still accepts the commit.
    private func revoked(_ partitions: [TopicPartition], lost: Bool) {
        let revoked = Set(partitions)
        if !lost {
            drain(deadline: .seconds(30))
            commitDurable(blocking: true)
        }
        assigned.subtract(revoked)
        lag.forget(revoked)
        processor.metrics.partitionsRevoked.increment()
        readiness.partitionsRevoked(partitions)
        progress.forget(revoked)
        for partition in revoked { lastCommitted.removeValue(forKey: partition) }
        let numbers = Set(partitions.map(\.partition)).subtracting(assigned.map(\.partition))
        if lost { store.removePartitions(numbers) } else { store.release(numbers) }
        processor.metrics.cartSessions.record(store.cartCount)
    }

    /// Graceful end: finish what was processed, commit it, leave the group, flush. When the
    /// shutdown deadline cut the drain short (an immediate stop: the broker is down, say),
    /// what is still undelivered is not waited for again: its inputs stay uncommitted, and
    /// the partitions' next owner processes them again.
    private func finish() throws {
        drain(deadline: .seconds(30))
        commitDurable(blocking: true)
        let cutShort = stopMode == .immediate
        let undelivered = inFlight.count + retries.count
        if cutShort, undelivered > 0 || !progress.isSettled {
            logger.warning("shutdown deadline passed before every output was acknowledged: those inputs are not committed and will be processed again", metadata: [
                "undelivered": "\(undelivered)",
            ])
        }
        // Closing waits for commits still pending; an immediate stop gives up on them (an
        // unreachable coordinator would hold the close past any deadline).
        if !consumer.closeBlocking(abandoningWhen: { stopMode == .immediate }) {
            logger.warning("left without closing the consumer: commits were still pending and the group coordinator did not answer before the stop; the group sees this member go when its session times out")
        }
        try? producer.flush(timeout: stopMode == .immediate ? .zero : .seconds(5)) { acknowledge($0) }
        if let failure { throw failure }
    }

    // MARK: State restore

    /// Makes a partition's cart state current before any of its events is processed: kept
    /// as is when this worker held it and was the last to write its changelog (a warm
    /// hand-back), otherwise read from the changelog.
    private func takeOwnership(of partition: Int32) throws {
        let start = ContinuousClock.now
        let source = TopicPartition(topic: settings.topics.changelog, partition: partition)
        let end = try consumer.watermarksBlocking(of: source).high
        defer { processor.metrics.restoreDuration.record(duration: start.duration(to: .now)) }
        if store.canResume(partition: partition, changelogEnd: end) {
            store.resume(partition: partition)
            processor.metrics.restoresKept.increment()
            logger.info("partition state kept: this worker wrote its changelog last", metadata: [
                "partition": "\(partition)", "changelogEnd": "\(end)",
            ])
            return
        }
        let read = try restorer.readChangelog(source, logger: logger)
        let (carts, records, readEnd, unreadable) = (read.carts, read.records, read.end, read.unreadable)
        store.restore(partition: partition, carts: carts, changelogEnd: readEnd)
        processor.metrics.restoresFromChangelog.increment()
        logger.info("partition state restored", metadata: [
            "partition": "\(partition)", "carts": "\(carts.count)", "changelogRecords": "\(records)",
            "unreadable": "\(unreadable)", "took": "\(ContinuousClock.now - start)",
        ])
    }
}
