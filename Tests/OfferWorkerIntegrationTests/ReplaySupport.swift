import Foundation
import Kafka
import Logging
import OfferEngine
import OfferWorker

/// Files and options for the record and replay tests.
enum ReplaySupport {
    static let logger: Logger = {
        var logger = Logger(label: "offer-worker-replay-test")
        logger.logLevel = .warning
        return logger
    }()

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("offer-worker-\(UUID())-\(name)").path
    }

    static func lines(_ path: String) throws -> [RecordingFormat.Line] {
        var lines: [RecordingFormat.Line] = []
        try RecordingReader(path: path).forEachLine { buffer, number, _ in lines.append(try RecordingFormat.decode(buffer, lineNumber: number)) }
        return lines
    }

    static func bytes(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    static func writeRecording(_ lines: [RecordingFormat.Line], to path: String) throws {
        let writer = try RecordingWriter(path: path)
        for line in lines { try writer.write(line) }
        try writer.close()
    }

    /// Replays quietly.
    static func replay(
        _ input: Replayer.Options.Input, catalog: OfferCatalog, configuration: WorkerConfiguration = WorkerConfiguration(kafka: KafkaConfiguration()),
        _ adjust: (inout Replayer.Options) -> Void = { _ in }
    ) async throws -> Replayer.Result {
        var options = Replayer.Options(input: input, configuration: configuration, catalog: catalog, catalogName: "offers.json")
        options.showProgress = false
        adjust(&options)
        return try await Replayer.run(options, logger: logger)
    }

    /// Records quietly.
    static func record(kafka: KafkaConfiguration, to path: String, _ adjust: (inout Recorder.Options) -> Void = { _ in }) async throws -> Recorder.Result {
        var options = Recorder.Options(kafka: kafka, output: path)
        options.showProgress = false
        adjust(&options)
        return try await Recorder.record(options, logger: logger)
    }

    /// A record's identity for comparisons: what a consumer of the topic sees.
    struct Published: Hashable, CustomStringConvertible {
        var topic: String
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [KafkaHeader]
        var timestamp: Int64?

        init(_ line: RecordingFormat.Line) {
            self.init(topic: line.topic, key: line.key, value: line.value, headers: line.headers, timestamp: line.timestamp)
        }

        init(_ record: ConsumerRecord) {
            self.init(topic: record.topic, key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp)
        }

        init(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader], timestamp: Int64?) {
            self.topic = topic
            self.key = key
            self.value = value
            self.headers = headers
            self.timestamp = timestamp
        }

        var description: String { "\(topic) \(String(decoding: key ?? [], as: UTF8.self)): \(String(decoding: value ?? [], as: UTF8.self))" }
    }

    /// Records grouped by topic and key, each group in order: what must agree between the
    /// live worker (a key's records share a partition, in offset order) and a replay.
    static func byTopicAndKey(_ records: [Published]) -> [String: [Published]] {
        Dictionary(grouping: records) { "\($0.topic)/\(String(decoding: $0.key ?? [], as: UTF8.self))" }
    }
}
