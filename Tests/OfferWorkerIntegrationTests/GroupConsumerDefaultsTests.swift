import Kafka
@testable import OfferWorker
import Testing

/// The worker's group consumer gets the worker's librdkafka defaults, and an operator's own
/// `--kafka-property` always wins.
@Suite("The group consumer's defaults")
struct GroupConsumerDefaultsTests {
    @Test("128 MB of prefetch and lag statistics every 5 s unless set; the group id is the worker's")
    func defaults() {
        let group = WorkerConfiguration.groupConsumer(KafkaConfiguration(["bootstrap.servers": "b:9092"]), groupId: "offers")
        #expect(group["group.id"] == "offers")
        #expect(group["queued.max.messages.kbytes"] == "131072")
        #expect(group["statistics.interval.ms"] == "5000")
        #expect(group["bootstrap.servers"] == "b:9092")
    }

    @Test("a property the operator set is kept")
    func operatorWins() {
        let kafka = KafkaConfiguration(["bootstrap.servers": "b:9092", "queued.max.messages.kbytes": "16384", "statistics.interval.ms": "200"])
        let group = WorkerConfiguration.groupConsumer(kafka, groupId: "offers")
        #expect(group["queued.max.messages.kbytes"] == "16384")
        #expect(group["statistics.interval.ms"] == "200")
    }
}
