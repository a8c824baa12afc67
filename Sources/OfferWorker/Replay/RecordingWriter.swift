import Foundation

/// Writes recording lines (``RecordingFormat``) to a file or standard output, buffered.
///
/// One writer per file and thread. Call ``close()`` to flush: a recording is complete only
/// then (the commands exit non-zero when it fails).
public final class RecordingWriter {
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool
    private var buffer: [UInt8] = []
    private var closed = false
    /// What the writer was opened on, for messages.
    public let path: String
    /// Lines written so far.
    public private(set) var lines = 0
    /// Bytes written so far (including what is still buffered).
    public private(set) var bytes = 0

    private static let flushThreshold = 1 << 20

    /// Opens `path` for writing, replacing what it held; `-` is standard output.
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            // A stream of its own on descriptor 1 (C's `stdout` is shared mutable state);
            // every flush goes straight out, so nothing interleaves with other writers.
            guard let opened = fdopen(STDOUT_FILENO, "wb") else {
                throw RecordingIOError(path: path, reason: "standard output cannot be written: \(String(cString: strerror(errno)))")
            }
            file = opened
            ownsFile = false
        } else {
            guard let opened = fopen(path, "wb") else {
                throw RecordingIOError(path: path, reason: "cannot be written: \(String(cString: strerror(errno)))")
            }
            file = opened
            ownsFile = true
        }
        buffer.reserveCapacity(Self.flushThreshold + 64 * 1024)
    }

    deinit {
        if !closed { try? close() }
    }

    /// Appends one line.
    public func write(_ line: RecordingFormat.Line) throws {
        let before = buffer.count
        RecordingFormat.encode(line, into: &buffer)
        bytes += buffer.count - before
        lines += 1
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Writes out what is buffered.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let complete = written == buffer.count
        buffer.removeAll(keepingCapacity: true)
        guard complete, fflush(file) == 0 else {
            throw RecordingIOError(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes and closes the file (standard output is flushed, not closed).
    public func close() throws {
        guard !closed else { return }
        closed = true
        defer { if ownsFile { fclose(file) } }
        try flush()
    }
}

/// A recording, output or report file that cannot be read or written.
public struct RecordingIOError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}
