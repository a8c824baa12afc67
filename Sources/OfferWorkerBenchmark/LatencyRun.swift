import Foundation
import Kafka
import Logging
import Synchronization

/// Latency from a cart event's produce to its first `offer.presented` seen by a consumer,
/// with cart events produced at a fixed rate.
///
/// A producer thread sends the first `paced` events at `rate` per second (linger 0, the
/// send time of each recorded just before it is handed to librdkafka), then, once those are
/// acknowledged, the rest as fast as it can (not timed: they only fill the worker's state). A
/// probe thread, started first and ready once it has read every partition to its end, reads
/// the output topic (the worker's `offer.presented`) and matches each output to its input by
/// the position encoded in the event id that follows `marker` (`cartEventId` in a
/// presentation); the latency includes the probe's own fetch.
final class LatencyRun: @unchecked Sendable {
    private let bootstrap: String
    private let records: [ProducerRecord]
    private let prefix: String
    private let marker: [UInt8]
    private let outputTopic: String
    private let partitions: Int32
    private let rate: Double
    private let paced: Int
    private let logger: Logger
    /// Send time (monotonic ns) of each paced event; 0 when not timed. Written by the
    /// producer thread before the event is sent, read by the probe after its output came
    /// back through the broker.
    private let sentAt: UnsafeMutableBufferPointer<UInt64>
    private let stopProbe = Atomic<Bool>(false)
    private let producerDone = DispatchSemaphore(value: 0)
    private let probeDone = DispatchSemaphore(value: 0)
    /// Signalled once the probe has read its first record (the warm-up's outputs), so its
    /// own start is not timed.
    private let probeReady = DispatchSemaphore(value: 0)
    private let failure = Mutex<(any Error)?>(nil)
    private let latencies = Mutex<[UInt64]>([])
    private let inputAcknowledgements = Mutex<[UInt64]>([])
    private let pacedSpan = Mutex<(start: SpanSample?, end: SpanSample?)>((nil, nil))

    /// For each timed event, from its produce to the broker's acknowledgement of it, in
    /// nanoseconds: the part of the latency that is the broker's and the machine's, not the
    /// worker's (valid after ``waitForProducer()``).
    var inputLatencies: [UInt64] { inputAcknowledgements.withLock { $0 } }

    /// The share of the machine's CPU time that was busy (every process, every core) while
    /// the timed events were produced and acknowledged (valid after ``waitForProducer()``).
    var machineBusy: Double? {
        pacedSpan.withLock { span in
            guard let start = span.start?.machine, let end = span.end?.machine, end.total > start.total else { return nil }
            return Double(end.busy - start.busy) / Double(end.total - start.total)
        }
    }

    /// The share of the same span in which the embedded broker's thread (`rdk:mock`, in
    /// this process) was on a CPU: near 1, requests queue at the broker whatever its clients do.
    var brokerBusy: Double? {
        pacedSpan.withLock { span in
            guard let start = span.start, let end = span.end, let from = start.broker, let to = end.broker, end.at > start.at else { return nil }
            return (to - from) / (Double(end.at - start.at) / 1e9)
        }
    }

    /// The marker a presentation's input event id follows.
    static let cartEventIdMarker = Array(#""cartEventId":""#.utf8)

    /// `records` must carry event ids made with `prefix` (see ``Workload/position(ofEventId:prefix:)``),
    /// and the outputs that id after `marker`.
    init(
        bootstrap: String, records: [ProducerRecord], prefix: String, marker: [UInt8] = LatencyRun.cartEventIdMarker, outputTopic: String,
        partitions: Int, rate: Double, paced: Int, logger: Logger
    ) {
        self.bootstrap = bootstrap
        self.records = records
        self.prefix = prefix
        self.marker = marker
        self.outputTopic = outputTopic
        self.partitions = Int32(partitions)
        self.rate = rate
        self.paced = min(paced, records.count)
        self.logger = logger
        sentAt = .allocate(capacity: records.count)
        sentAt.initialize(repeating: 0)
    }

    deinit { sentAt.deallocate() }

    /// Starts the probe, waits until it reads, then starts the producer.
    func start() throws {
        NamedThread.start("bench-probe") { [self] in probe() }
        guard probeReady.wait(timeout: .now() + 30) == .success else { throw BenchmarkError("the latency probe did not read the warm-up outputs to their end in 30 s") }
        if let error = failure.withLock({ $0 }) { throw error }
        NamedThread.start("bench-produce") { [self] in produce() }
    }

    /// Waits for the producer to have sent everything.
    func waitForProducer() throws {
        producerDone.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Stops the probe after `grace` and returns the latencies measured, in nanoseconds, in
    /// the order their events were produced.
    func finish(grace: Duration = .milliseconds(300)) throws -> [UInt64] {
        Thread.sleep(forTimeInterval: grace.seconds)
        stopProbe.store(true, ordering: .releasing)
        probeDone.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return latencies.withLock { $0 }
    }

    private func produce() {
        defer { producerDone.signal() }
        do {
            let producer = try KafkaPipelineProducer(
                configuration: KafkaConfiguration(["bootstrap.servers": bootstrap, "linger.ms": "0"]), logger: logger)
            var deliveryError: KafkaError?
            var acknowledged: [UInt64] = []
            acknowledged.reserveCapacity(paced)
            func take(_ delivery: PipelineDelivery) {
                deliveryError = deliveryError ?? delivery.error
                let position = Int(delivery.token)
                if position < paced, sentAt[position] != 0 { acknowledged.append(monotonicNanos() - sentAt[position]) }
            }
            // The producer's start (its connection, producer id and the topic's metadata) is
            // not timed: the first event goes alone and untimed. (Timed, the first second's
            // events waited about a second for their acknowledgements in some runs.)
            var next = 0
            if paced > 0 {
                try producer.produce(records[0], token: 0)
                try producer.flush(timeout: .seconds(30), take)
                next = 1
            }
            pacedSpan.withLock { $0.start = SpanSample() }
            let start = monotonicNanos()
            while next < paced {
                let due = min(paced, Int(Double(monotonicNanos() - start) * rate / 1e9) + 2)
                while next < due {
                    sentAt[next] = monotonicNanos()
                    try producer.produce(records[next], token: UInt(next))
                    next += 1
                }
                producer.pollDeliveries(take)
                usleep(200)
            }
            // The untimed rest only once the timed events are stored and have had time to be
            // processed: started earlier, its burst would queue ahead of their outputs.
            try producer.flush(timeout: .seconds(30), take)
            pacedSpan.withLock { $0.end = SpanSample() }
            inputAcknowledgements.withLock { $0 = acknowledged }
            Thread.sleep(forTimeInterval: 0.2)
            while next < records.count {
                try producer.produce(records[next], token: UInt(next))
                next += 1
                if next % 1_000 == 0 { producer.pollDeliveries(take) }
            }
            try producer.flush(timeout: .seconds(30), take)
            if let deliveryError { throw deliveryError }
        } catch {
            failure.withLock { $0 = $0 ?? error }
        }
    }

    private func probe() {
        var ready = false
        defer {
            if !ready { probeReady.signal() }
            probeDone.signal()
        }
        do {
            let consumer = try KafkaConsumer(
                configuration: KafkaConfiguration(["bootstrap.servers": bootstrap, "group.id": "latency-probe", "fetch.wait.max.ms": String(Benchmark.fetchWaitMilliseconds)]),
                logger: logger)
            let assigned = (0..<partitions).map { TopicPartition(topic: outputTopic, partition: $0) }
            try consumer.assign(assigned)
            // Ready once every partition is read up to its end (the warm-up's outputs), so each
            // is being fetched before the first timed event is sent.
            var ends: [TopicPartition: Int64] = [:]
            for partition in assigned { ends[partition] = try consumer.watermarksBlocking(of: partition).high }
            let readyBy = ContinuousClock.now + .seconds(30)
            while !ready, ContinuousClock.now < readyBy {
                _ = try consumer.pollBlocking(maxRecords: 2_000, timeout: .milliseconds(10))
                let positions = try consumer.positions(assigned)
                if ends.allSatisfy({ partition, end in end == 0 || (positions[partition] ?? nil).map { $0 >= end } == true }) {
                    ready = true
                    probeReady.signal()
                }
            }
            var seen = [Bool](repeating: false, count: records.count)
            var measured: [(position: Int, latency: UInt64)] = []
            measured.reserveCapacity(paced)
            while !stopProbe.load(ordering: .acquiring) {
                for case .records(let batch) in try consumer.pollBlocking(maxRecords: 2_000, timeout: .milliseconds(10)) {
                    let now = monotonicNanos()
                    for record in batch {
                        guard let value = record.value, let end = Self.end(of: marker, in: value),
                              let position = Workload.position(ofEventId: value[end...], prefix: prefix),
                              position < records.count, !seen[position] else { continue }
                        seen[position] = true
                        let sent = sentAt[position]
                        if sent != 0, now > sent { measured.append((position, now - sent)) }
                    }
                }
            }
            consumer.closeBlocking()
            latencies.withLock { $0 = measured.sorted { $0.position < $1.position }.map(\.latency) }
        } catch {
            failure.withLock { $0 = $0 ?? error }
        }
    }

    /// Where the first `marker` in `bytes` ends (`memchr` for its first byte, then a compare:
    /// the probe shares the machine it measures, so it reads as little as it can).
    private static func end(of marker: [UInt8], in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { haystack in
            marker.withUnsafeBytes { needle in
                guard let base = haystack.baseAddress, let first = needle.first else { return nil }
                var offset = 0
                while haystack.count - offset >= needle.count {
                    guard let found = memchr(base + offset, Int32(first), haystack.count - offset) else { return nil }
                    let at = base.distance(to: UnsafeRawPointer(found))
                    guard haystack.count - at >= needle.count else { return nil }
                    if memcmp(base + at, needle.baseAddress!, needle.count) == 0 { return at + needle.count }
                    offset = at + 1
                }
                return nil
            }
        }
    }
}

/// The CPU time spent so far: the machine's (every core, from `/proc/stat`, busy and in all)
/// and the embedded broker's thread's.
private struct SpanSample {
    var machine: (busy: UInt64, total: UInt64)?
    var broker: Double?
    var at = monotonicNanos()

    init() {
        broker = ChildProcess.threadCPUSeconds(pid: getpid())["rdk:mock"]
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return }
        // user nice system idle iowait irq softirq steal …
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard fields.count >= 5 else { return }
        let total = fields.prefix(8).reduce(0, +)
        machine = (total - fields[3] - fields[4], total)
    }
}
