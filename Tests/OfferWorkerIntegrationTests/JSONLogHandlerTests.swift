import Foundation
import Kafka
import Logging
import OfferWorker
import Synchronization
import Testing

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test("each log call is one JSON object with timestamp, level, message and its metadata")
    func lines() throws {
        let written = Mutex<[String]>([])
        var logger = Logger(label: "offer-worker") { label in
            JSONLogHandler(label: label) { line in written.withLock { $0.append(line) } }
        }
        logger[metadataKey: "pod"] = "worker-0"
        logger.info("partition state restored", metadata: ["partition": "3", "carts": "120", "note": "a \"quoted\"\nline"])
        logger.debug("not written at info")
        let lines = written.withLock { $0 }
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.hasSuffix("}\n") && !line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["message"] as? String == "partition state restored")
        #expect(object["partition"] as? String == "3")
        #expect(object["pod"] as? String == "worker-0")
        #expect(object["note"] as? String == "a \"quoted\"\nline")
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z"), "\(timestamp)")
    }
}

@Suite("JSON logs of a worker process")
struct WorkerJSONLogTests {
    @Test("with --log-format json every line a worker writes is a JSON object; dead letters name their input, 20 per 10 s and then a count; secrets never appear")
    func workerLogsAreJSON() async throws {
        let secret = "TOPSECRET-\(UUID().uuidString.prefix(8))"
        let group = try await WorkerGroup(partitions: 2)
        let worker = try group.startWorker(["--log-format", "json", "-X", "sasl.username=svc", "-X", "sasl.password=\(secret)"])
        try await group.send(carts: [Fixtures.cart("json-log", lines: [Fixtures.phoneLine])])
        try await group.producer.sendAll((0..<25).map {
            ProducerRecord(topic: group.topics.cartUpdated, key: Array("broken-\($0)".utf8), value: Array("{not json".utf8), timestamp: Fixtures.recordTimestamp)
        })
        let reader = try await KafkaTopicReader(configuration: group.kafka, topics: [group.topics.deadLetter])
        let letters = try await reader.read(topic: group.topics.deadLetter, count: 25)
        await reader.close()
        // The 5 lines over the budget are counted once the 10-second window has passed.
        let deadline = ContinuousClock.now + .seconds(30)
        while !worker.log.contains("more inputs dead-lettered"), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        #expect(try await worker.stop() == 0)

        let lines = worker.log.split(separator: "\n").map(String.init)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "not JSON: \(lines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil })")
        #expect(objects.allSatisfy { $0["timestamp"] is String && $0["level"] is String && $0["message"] is String })
        let logged = objects.filter { $0["message"] as? String == "input dead-lettered" }
        #expect(logged.count == 20, "at most 20 dead letters logged one by one per 10 s")
        for line in logged {
            let letter = letters.first {
                $0.header("dlq_source_partition")?.stringValue == line["partition"] as? String && $0.header("dlq_source_offset")?.stringValue == line["offset"] as? String
            }
            #expect(letter?.keyString == line["key"] as? String && line["topic"] as? String == group.topics.cartUpdated, "\(line)")
            #expect((line["reason"] as? String)?.isEmpty == false)
        }
        let held = try #require(objects.first { $0["message"] as? String == "more inputs dead-lettered, not logged one by one" }, "\(lines.suffix(5))")
        #expect(held["count"] as? String == "5")
        #expect(objects.contains { $0["message"] as? String == "offer worker starting" && $0["group"] as? String == group.groupId })
        #expect(!worker.log.contains(secret), "the SASL password must never be logged")
    }
}
