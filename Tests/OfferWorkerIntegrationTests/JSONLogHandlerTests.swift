import Foundation
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
