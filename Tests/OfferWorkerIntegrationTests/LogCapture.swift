import Logging
import Synchronization

/// Keeps the messages an in-process worker logs, so a test can show which path ran (the
/// in-process harness has no metrics backend: swift-metrics can be bootstrapped only once
/// per process). Each message is also printed, as the default handler would.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger at `level` whose messages go to this capture and to standard output.
    func logger(label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { label in
            MultiplexLogHandler([CapturingHandler(capture: self), StreamLogHandler.standardOutput(label: label)])
        }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// Every message logged so far, with its metadata, one a line.
    var messages: [String] { lines.withLock { $0 } }

    /// How many messages contain `fragment`.
    func count(_ fragment: String) -> Int { messages.filter { $0.contains(fragment) }.count }
}

private struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(event.message) \(rendered)")
    }
}
