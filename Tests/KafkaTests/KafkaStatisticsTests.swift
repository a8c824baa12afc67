import Kafka
import Testing

@Suite("librdkafka statistics: what lag is made of")
struct KafkaStatisticsTests {
    /// The shape of librdkafka's statistics (STATISTICS.md), cut to the fields read.
    private static let sample = """
        {"name": "rdkafka#consumer-1", "type": "consumer", "topics": {
          "cart.updated": {"topic": "cart.updated", "partitions": {
            "0": {"partition": 0, "lo_offset": 0, "hi_offset": 120, "ls_offset": 118, "committed_offset": 100, "consumer_lag": 5},
            "1": {"partition": 1, "lo_offset": 10, "hi_offset": 40, "ls_offset": 40, "committed_offset": -1001, "consumer_lag": 0},
            "2": {"partition": 2, "lo_offset": -1, "hi_offset": 7, "ls_offset": 7, "committed_offset": -1001, "consumer_lag": 3},
            "-1": {"partition": -1, "hi_offset": -1, "committed_offset": -1001, "consumer_lag": -1}}}}}
        """

    private static func parse(_ json: String) -> KafkaStatistics? {
        Array(json.utf8).withUnsafeBytes { KafkaStatistics(json: $0) }
    }

    @Test("lag runs from the committed offset, or the low watermark before any commit, to the last stable offset")
    func lagFromCommittedToEnd() throws {
        let statistics = try #require(Self.parse(Self.sample))
        let partition = { (number: Int32) in statistics.partitions[TopicPartition(topic: "cart.updated", partition: number)] }
        #expect(statistics.partitions.count == 3, "librdkafka's unassigned-records entry (-1) is not a partition")
        #expect(partition(0)?.lag(readCommitted: true) == 18)
        #expect(partition(0)?.lag(readCommitted: false) == 20)
        #expect(partition(1)?.lag(readCommitted: true) == 30, "nothing committed yet: everything from the low watermark")
        #expect(partition(2)?.lag(readCommitted: true) == 3, "no watermark known either: librdkafka's own figure")
    }

    @Test("anything but librdkafka's statistics document is ignored")
    func notStatistics() {
        #expect(Self.parse("not json") == nil)
        #expect(Self.parse("[1, 2]") == nil)
        #expect(Self.parse("{}")?.partitions.isEmpty == true)
    }
}
