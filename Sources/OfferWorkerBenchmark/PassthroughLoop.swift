import Glibc
import Kafka
import Logging
import OfferWorker

/// The Swift wrapper's own ceiling: the C ceiling's loop written on the Kafka module, as the
/// worker's pipeline uses it (`KafkaConsumer.pollBlocking`, `KafkaPipelineProducer.produce`
/// and `pollDeliveries`, `commitAsync` every commit interval of the offsets whose outputs are
/// acknowledged). Each record's key and value go to the same partition of the output topic,
/// so a partition's reports arrive in input order. What it costs beyond the C loop is the
/// wrapper's overhead.
enum PassthroughLoop {
    /// Measured from the first record consumed to the last output acknowledged, and over
    /// the steady part, from 10 % to 90 % of the outputs acknowledged.
    struct Result {
        var records: Int64
        var seconds: Double
        var cpuSeconds: Double
        var steadyRecords: Int64 = 0
        var steadySeconds: Double = 0
        var steadyCPUSeconds: Double = 0
    }

    static func run(
        bootstrap: String, group: String, input: String, output: String, expected: Int64,
        maxInFlight: Int64 = 20_000, commitInterval: Duration = .milliseconds(100), timeout: Duration = .seconds(120)
    ) throws -> Result {
        var logger = Logger(label: "passthrough")
        logger.logLevel = .error
        let kafka = KafkaConfiguration(["bootstrap.servers": bootstrap])
        // Prefetching as the worker does.
        let consumer = try KafkaConsumer(
            configuration: kafka.merging(["group.id": group, "queued.max.messages.kbytes": String(WorkerConfiguration.defaultPrefetchKilobytes)]),
            logger: logger)
        let producer = try KafkaPipelineProducer(configuration: kafka, logger: logger)
        // Warm-up: one record through the producer (connection, idempotent producer id)
        // before anything is timed.
        var failure: KafkaError?
        try producer.produce(ProducerRecord(topic: output, partition: 0, key: nil, value: Array("warm-up".utf8)), token: 0)
        try producer.flush(timeout: .seconds(30)) { failure = failure ?? $0.error }
        if let failure { throw failure }
        try consumer.subscribe(to: [input])

        var nextOffset = [Int64](repeating: -1, count: 1024)
        var dirty = [Bool](repeating: false, count: 1024)
        var produced: Int64 = 0
        var acked: Int64 = 0
        var started: (time: ContinuousClock.Instant, cpu: Double)?
        let deadline = ContinuousClock.now + timeout
        var nextCommit = ContinuousClock.now + commitInterval
        var steadyStart: (records: Int64, time: ContinuousClock.Instant, cpu: Double)?
        var steady: (records: Int64, seconds: Double, cpu: Double)?

        func offsets(onlyDirty: Bool) -> [TopicPartition: Int64] {
            var offsets: [TopicPartition: Int64] = [:]
            for partition in nextOffset.indices where nextOffset[partition] >= 0 && (!onlyDirty || dirty[partition]) {
                offsets[TopicPartition(topic: input, partition: Int32(partition))] = nextOffset[partition]
                dirty[partition] = false
            }
            return offsets
        }

        while acked < expected {
            if let failure { throw failure }
            guard ContinuousClock.now < deadline else {
                throw KafkaError.timedOut("passthrough: \(acked) of \(expected) outputs acknowledged")
            }
            var taken = 0
            if produced - acked < maxInFlight {
                let events = try consumer.pollBlocking(maxRecords: 500, timeout: produced == acked ? .milliseconds(100) : .zero)
                for case .records(let records) in events {
                    if started == nil { started = (ContinuousClock.now, processCPUSeconds()) }
                    for record in records {
                        try producer.produce(forwarding: record, to: output, partition: record.partition, token: UInt(record.offset))
                    }
                    produced += Int64(records.count)
                    taken += records.count
                }
            }
            producer.pollDeliveries(timeout: taken == 0 && produced > acked ? .milliseconds(1) : .zero) { delivery in
                if let error = delivery.error {
                    failure = failure ?? error
                    return
                }
                acked += 1
                let partition = Int(delivery.partition)
                let next = Int64(delivery.token) + 1
                if next > nextOffset[partition] {
                    nextOffset[partition] = next
                    dirty[partition] = true
                }
            }
            if steadyStart == nil, acked >= expected / 10 {
                steadyStart = (acked, ContinuousClock.now, processCPUSeconds())
            } else if let steadyStart, steady == nil, acked >= expected * 9 / 10 {
                steady = (acked - steadyStart.records, (ContinuousClock.now - steadyStart.time).seconds, processCPUSeconds() - steadyStart.cpu)
            }
            if ContinuousClock.now >= nextCommit {
                try consumer.commitAsync(offsets(onlyDirty: true))
                nextCommit = ContinuousClock.now + commitInterval
            }
        }
        let result = Result(
            records: acked, seconds: (ContinuousClock.now - started!.time).seconds, cpuSeconds: processCPUSeconds() - started!.cpu,
            steadyRecords: steady?.records ?? 0, steadySeconds: steady?.seconds ?? 0, steadyCPUSeconds: steady?.cpu ?? 0)
        try consumer.commitBlocking(offsets(onlyDirty: false))
        consumer.closeBlocking()
        try producer.flush(timeout: .seconds(5)) { _ in }
        return result
    }
}

/// CPU time of the whole process (every thread, user and system).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
