import Foundation

/// A recording piped to a replay (`--input -`), copied to a temporary file.
///
/// A replay reads its recording twice: once to check every line and index the partitions (so
/// a bad line stops it before any output is written, and a recording in replay order is
/// processed as it is read, in constant memory), then to process it. A pipe can be read only
/// once, so standard input is copied, in chunks, to a private temporary file (mode 0600) that
/// is deleted when the replay ends. It needs as much free disk space as the recording.
final class StandardInputSpool {
    /// The temporary file.
    let path: String
    /// How a message names the input.
    static let name = "standard input"

    private static let chunkSize = 1 << 20

    /// Reads standard input to its end into a new temporary file.
    init() throws {
        let directory = FileManager.default.temporaryDirectory.path
        var template = Array((directory + "/offer-worker-replay-stdin-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw RecordingIOError(path: Self.name, reason: "cannot be spooled to a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            let read = buffer.withUnsafeMutableBytes { Foundation.read(STDIN_FILENO, $0.baseAddress!, $0.count) }
            if read == 0 { break }
            if read < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw RecordingIOError(path: Self.name, reason: "read failed: \(reason)")
            }
            var written = 0
            while written < read {
                let result = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, read - written) }
                if result < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    unlink(path)
                    throw RecordingIOError(path: Self.name, reason: "cannot be spooled to \(path): \(reason)")
                }
                written += result
            }
        }
    }

    /// Deletes the temporary file.
    func remove() {
        unlink(path)
    }
}
