#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A blocking TCP connection to 127.0.0.1 for HTTP tests that need what a URL client will
/// not do: send nothing, send half a request, reset instead of closing, send a megabyte of
/// header. Every call is bounded by the socket timeouts; use it off the cooperative pool
/// (``offPool(_:)``). Unchecked `Sendable`: a test hands it between threads but uses it from
/// one at a time.
final class RawHTTPConnection: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private var fd: Int32

    init(port: Int, timeout: Duration = .seconds(5)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var time = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(fd)
            throw Failure(description: "connect: errno \(error)")
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Sends all of `bytes` (without SIGPIPE); the errno when the peer is gone first.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Int32? {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return errno }
            sent += count
        }
        return nil
    }

    @discardableResult
    func send(_ text: String) -> Int32? { send(Array(text.utf8)) }

    /// Sends a GET for `path` asking to keep the connection.
    func get(_ path: String, keepAlive: Bool = true, method: String = "GET") throws -> Response {
        if let error = send("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n") {
            throw Failure(description: "send: errno \(error)")
        }
        return try readResponse(hasBody: method != "HEAD")
    }

    /// Reads one response: its head, then `Content-Length` bytes of body.
    func readResponse(hasBody: Bool = true) throws -> Response {
        var buffer: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = try receiveChunk(), !chunk.isEmpty else {
                throw Failure(description: "connection ended before a response head (\(buffer.count) bytes)")
            }
            buffer += chunk
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(head[0])") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(buffer[(headEnd! + 4)...])
        let length = hasBody ? Int(headers["content-length"] ?? "0") ?? 0 : 0
        while body.count < length {
            guard let chunk = try receiveChunk(), !chunk.isEmpty else { throw Failure(description: "connection ended inside a body") }
            body += chunk
        }
        return Response(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    /// Bytes received, `[]` at the end of the stream, nil on a receive timeout; throws on reset.
    func receiveChunk() throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count >= 0 { return Array(chunk[..<count]) }
        if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
        throw Failure(description: "recv: errno \(errno)")
    }

    /// Whether the server has closed the connection: end of stream or reset, as opposed to a
    /// receive timeout with the connection still open. Discards what it reads.
    func serverClosed() -> Bool {
        while true {
            do {
                guard let chunk = try receiveChunk() else { return false }
                if chunk.isEmpty { return true }
            } catch {
                return true
            }
        }
    }

    /// Closes with a TCP reset rather than a FIN, as a crashed or impatient client does.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(fd)
        fd = -1
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// Runs blocking socket work on a thread of its own, so tests waiting on sockets never hold
/// one of the few cooperative threads.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}
