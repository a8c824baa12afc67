import Kafka

/// Where a replay writes what the worker would have published.
protocol ReplayOutputSink: AnyObject {
    /// Writes one output, in the worker's order.
    func write(_ record: ProducerRecord) throws
    /// Completes the writing (flushes, waits for acknowledgements); throws if any output
    /// was not written.
    func finish() throws
}

/// Writes outputs to a recording file (``RecordingFormat``), in processing order.
final class ReplayFileSink: ReplayOutputSink {
    private let writer: RecordingWriter

    init(path: String) throws {
        writer = try RecordingWriter(path: path)
    }

    func write(_ record: ProducerRecord) throws {
        try writer.write(RecordingFormat.Line(record))
    }

    func finish() throws {
        try writer.close()
    }
}
