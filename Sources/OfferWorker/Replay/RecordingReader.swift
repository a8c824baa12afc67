import Foundation

/// Reads a recording file line by line, in chunks, so a recording of any size is read in
/// constant memory (beyond its longest line).
public final class RecordingReader {
    public let path: String
    /// The file's size in bytes, for progress.
    public let size: Int

    private static let chunkSize = 1 << 20

    /// Checks that `path` is a readable file.
    public init(path: String) throws {
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw RecordingIOError(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw RecordingIOError(path: path, reason: "is not a regular file (a replay reads its input twice: once to index it, once to process it)")
        }
        size = Int(status.st_size)
    }

    /// Calls `body` with every line that is not blank, its 1-based line number and the bytes
    /// read up to its end. The buffer is valid only during the call.
    public func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, _ lineNumber: Int, _ bytesRead: Int) throws -> Void) throws {
        guard let file = fopen(path, "rb") else {
            throw RecordingIOError(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        var filled = 0
        var lineNumber = 0
        var consumed = 0
        var atEnd = false
        while !atEnd || filled > 0 {
            if !atEnd {
                if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
                let read = buffer.withUnsafeMutableBytes { fread($0.baseAddress! + filled, 1, $0.count - filled, file) }
                if read == 0 {
                    if ferror(file) != 0 { throw RecordingIOError(path: path, reason: "read failed: \(String(cString: strerror(errno)))") }
                    atEnd = true
                }
                filled += read
            }
            var start = 0
            try buffer.withUnsafeBufferPointer { all in
                while start < filled {
                    let newline = memchr(all.baseAddress! + start, 0x0A, filled - start)
                    let end: Int
                    if let newline {
                        end = UnsafeRawPointer(newline) - UnsafeRawPointer(all.baseAddress!)
                    } else if atEnd {
                        end = filled
                    } else {
                        break
                    }
                    lineNumber += 1
                    let line = UnsafeBufferPointer(rebasing: all[start..<end])
                    if !Self.isBlank(line) { try body(line, lineNumber, consumed + min(end + 1, filled)) }
                    start = min(end + 1, filled)
                }
            }
            if start > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + start, filled - start)
                }
                consumed += start
                filled -= start
            }
        }
    }

    private static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
