import Foundation
import Logging

/// A log handler keeping every message with its metadata, for tests that check what a Kafka
/// client logged (librdkafka's errors arrive only through its log and error callbacks).
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let details = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lock.withLock { lines.append(details.isEmpty ? "\(message)" : "\(message) \(details)") }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    /// A logger writing here.
    var logger: Logger { Logger(label: "captured") { _ in self } }
}
