import CKafkaCeiling
import Glibc
import Kafka
import OfferEngine
import OfferWorker

/// The worker's per-record work without Kafka, on one thread: `RecordProcessor`, the very
/// code the processing loop runs (decode and validate the input, run the engine on the cart's
/// stored state, encode the outputs and the new state), plus, as the loop does every commit
/// interval, taking the changed carts' changelog records.
struct StandalonePath {
    private var processor: RecordProcessor
    private let deadLetterTopic: String
    private(set) var outputs = 0
    private(set) var changelogRecords = 0
    private(set) var changelogBytes = 0
    private(set) var deadLetters = 0

    init(engine: OfferEngine, topics: TopicNames) {
        var configuration = WorkerConfiguration(kafka: KafkaConfiguration(), topics: topics)
        configuration.maxEventTimeAhead = nil
        configuration.maxEventTimeBehind = nil
        processor = RecordProcessor(catalog: engine.catalog, configuration: configuration)
        deadLetterTopic = topics.deadLetter
    }

    /// What a run measured.
    struct Figures {
        var records: Int
        var seconds: Double
        var cpuSeconds: Double
        var outputs: Int
        var deadLetters: Int
        var meanChangelogValue: Double
        /// Carts held at the end, and the heap they take (state as the worker keeps it).
        var carts: Int
        var stateBytes: Int
        /// Records per second of the thread's CPU time: the rate on one core, whatever else
        /// the machine runs.
        var rate: Double { Double(records) / cpuSeconds }
        var cpuMicrosPerRecord: Double { cpuSeconds * 1e6 / Double(records) }
        /// With ``StandalonePath/measureMedian(records:engine:topics:passes:)``: every
        /// pass's rate, in the order run (these figures are the median pass's).
        var passRates: [Double] = []

        /// The detail line the benchmark prints for `offers` offers.
        func detail(offers: Int) -> String {
            var line = String(
                format: "decode→evaluate→encode, %d offers: the first %d records (%d outputs, %d dead letters) in %.2f s wall, %.2f s CPU; %d carts, state values mean %.0f bytes",
                offers, records, outputs, deadLetters, seconds, cpuSeconds, carts, meanChangelogValue)
            if passRates.count > 1 {
                line += "; passes " + passRates.map { String(format: "%.0f", $0) }.joined(separator: ", ") + " events/s (the median reported)"
            }
            return line
        }
    }

    /// Passes over the stream in a full measurement. On this noisy host one pass can take
    /// 40 % longer than another; the median of five, like the loops' median round, is
    /// steadier than any one pass.
    static let passes = 5

    /// ``measure(records:engine:topics:changelogEvery:budget:)`` `passes` times, each on
    /// fresh state: the figures of the median pass by rate, with every pass's rate.
    static func measureMedian(records: [ConsumerRecord], engine: OfferEngine, topics: TopicNames, passes: Int = passes) -> Figures {
        let runs = (0..<max(passes, 1)).map { _ in measure(records: records, engine: engine, topics: topics) }
        var median = runs.sorted { $0.rate < $1.rate }[runs.count / 2]
        median.passRates = runs.map(\.rate)
        return median
    }

    /// Records between two takes of the changelog: a commit interval's worth. The worker
    /// takes it every `--commit-interval-ms` (default 100 ms), so at its rate in the benchmark
    /// (about 100,000 events/s) every 10,000 records; a fixed count keeps instruction counts
    /// repeatable.
    static let changelogEvery = 10_000

    /// Processes `records` in order after a warm-up on a separate state, taking the
    /// changelog every `changelogEvery` records; stops early, at a multiple of
    /// `changelogEvery`, once `budget` of the thread's CPU time is spent (the rate is per
    /// record, so a prefix of the stream measures it).
    static func measure(
        records: [ConsumerRecord], engine: OfferEngine, topics: TopicNames, changelogEvery: Int = changelogEvery, budget: Double = 3
    ) -> Figures {
        var warm = StandalonePath(engine: engine, topics: topics)
        var outputs: [ProducerRecord] = []
        for record in records.prefix(5_000) {
            outputs.removeAll(keepingCapacity: true)
            warm.process(record, into: &outputs)
        }
        let heapBefore = ckc_heap_in_use()
        var path = StandalonePath(engine: engine, topics: topics)
        let cpuStart = threadCPUSeconds()
        let start = ContinuousClock.now
        var processed = 0
        for record in records {
            outputs.removeAll(keepingCapacity: true)
            path.process(record, into: &outputs)
            path.outputs += outputs.count
            processed += 1
            if processed % changelogEvery == 0 {
                _ = path.takeChangelog()
                if threadCPUSeconds() - cpuStart > budget { break }
            }
        }
        _ = path.takeChangelog()
        let seconds = (ContinuousClock.now - start).seconds
        let cpu = threadCPUSeconds() - cpuStart
        let stateBytes = Int(ckc_heap_in_use()) - Int(heapBefore)
        return Figures(
            records: processed, seconds: seconds, cpuSeconds: cpu, outputs: path.outputs, deadLetters: path.deadLetters,
            meanChangelogValue: Double(path.changelogBytes) / Double(max(path.changelogRecords, 1)), carts: path.cartCount,
            stateBytes: stateBytes)
    }

    /// Appends the records `record` causes, as `EventProcessor.process(_:store:into:)` does.
    mutating func process(_ record: ConsumerRecord, into outputs: inout [ProducerRecord]) {
        let before = outputs.count
        processor.process(record, into: &outputs)
        deadLetters += outputs[before...].filter { $0.topic == deadLetterTopic }.count
    }

    /// The changelog records of the carts changed since the last take.
    mutating func takeChangelog() -> [ProducerRecord] {
        let records = processor.takeChangelog()
        changelogRecords += records.count
        changelogBytes += records.reduce(0) { $0 + ($1.value?.count ?? 0) }
        return records
    }

    var cartCount: Int { processor.cartCount }
}

func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// A monotonic clock in nanoseconds, comparable across threads.
func monotonicNanos() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
