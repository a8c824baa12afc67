import Foundation
import Kafka

/// Runs a blocking body (librdkafka polls, file reading) on a thread of its own, off Swift's
/// cooperative pool, and returns what it returns.
func runOnOwnThread<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        NamedThread.start(name) {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
    }
}
