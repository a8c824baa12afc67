import Foundation
import Synchronization

/// A thread that runs `body` until stopped; used to serve librdkafka callbacks.
final class PollThread: Sendable {
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, body: @escaping @Sendable () -> Void) {
        NamedThread.start(name) { [self] in
            while running.load(ordering: .acquiring) { body() }
            finished.signal()
        }
    }

    /// Asks the thread to stop after its current `body` call; returns at once.
    func stop() {
        running.store(false, ordering: .releasing)
    }

    /// Stops the thread and waits until it has: only on a thread that may block.
    func stopAndWait() {
        if running.exchange(false, ordering: .acquiringAndReleasing) { finished.wait() }
    }
}
