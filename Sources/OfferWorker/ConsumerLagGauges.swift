import Kafka
import Metrics

/// `offer_worker_consumer_lag{topic, partition}` and `offer_worker_consumer_lag_total`:
/// records of the worker's assigned input partitions not yet committed, from librdkafka's
/// statistics. What operators scale and alert on: a lag that keeps growing means the group
/// needs more pods (up to the partition count) or faster ones.
///
/// Owned by the processing thread; a partition's series goes when the partition does, so a
/// rebalance leaves no stale figure behind.
struct ConsumerLagGauges {
    private let factory: any MetricsFactory
    private let total: Gauge
    private var gauges: [TopicPartition: Gauge] = [:]
    private var lags: [TopicPartition: Int64] = [:]

    init(factory: any MetricsFactory) {
        self.factory = factory
        total = Gauge(label: "offer_worker_consumer_lag_total", factory: factory)
    }

    /// Records the lag of every partition in `assigned` that `statistics` knows.
    mutating func update(_ statistics: KafkaStatistics, assigned: Set<TopicPartition>) {
        for (partition, figures) in statistics.partitions where assigned.contains(partition) {
            guard let lag = figures.lag(readCommitted: true) else { continue }
            lags[partition] = lag
            gauge(for: partition).record(lag)
        }
        total.record(lags.values.reduce(0, +))
    }

    /// Drops the series of partitions this worker no longer owns.
    mutating func forget(_ partitions: Set<TopicPartition>) {
        for partition in partitions {
            gauges.removeValue(forKey: partition)?.destroy()
            lags.removeValue(forKey: partition)
        }
        total.record(lags.values.reduce(0, +))
    }

    private mutating func gauge(for partition: TopicPartition) -> Gauge {
        if let gauge = gauges[partition] { return gauge }
        let gauge = Gauge(label: "offer_worker_consumer_lag", dimensions: [("topic", partition.topic), ("partition", "\(partition.partition)")], factory: factory)
        gauges[partition] = gauge
        return gauge
    }
}
