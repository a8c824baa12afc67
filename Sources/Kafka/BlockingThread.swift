import Foundation
import Synchronization

/// A thread of a client's own that runs the client's waiting librdkafka calls (polls with a
/// timeout, commits, flushes, closes) one after another, in the order they were submitted.
///
/// Not a dispatch queue: Dispatch's shared pool has about as many threads as cores, so a
/// few clients blocked in long calls would hold up every other client's work; a thread of
/// one's own always makes progress. The thread ends when its owner goes.
final class BlockingThread: Sendable {
    private final class Jobs: Sendable {
        private let state = Mutex<(pending: [@Sendable () -> Void], finished: Bool)>(([], false))
        private let ready = DispatchSemaphore(value: 0)

        /// False when the thread has finished: the caller runs the job elsewhere.
        func add(_ job: @escaping @Sendable () -> Void) -> Bool {
            let added = state.withLock { state -> Bool in
                guard !state.finished else { return false }
                state.pending.append(job)
                return true
            }
            if added { ready.signal() }
            return added
        }

        func finish() {
            state.withLock { $0.finished = true }
            ready.signal()
        }

        /// Runs jobs until finished and every job added before is done.
        func serve() {
            while true {
                ready.wait()
                let job = state.withLock { state -> (@Sendable () -> Void)? in
                    state.pending.isEmpty ? nil : state.pending.removeFirst()
                }
                if let job { job() } else if state.withLock({ $0.finished }) { return }
            }
        }
    }

    private let jobs = Jobs()

    init(name: String) {
        let jobs = self.jobs
        NamedThread.start(name) { jobs.serve() }
    }

    deinit { jobs.finish() }

    /// Runs `job` on the thread after the jobs submitted before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        if !jobs.add(job) { NamedThread.start("kafka-late-job", job) }
    }

    /// Runs `body` on the thread and returns its result, suspending (not blocking) the caller.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }
}

/// Runs a blocking librdkafka call on a thread of its own, off the cooperative thread pool
/// (and off Dispatch's shared pool, which a few such calls would exhaust).
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        NamedThread.start("kafka-blocking") { continuation.resume(returning: body()) }
    }
}

/// ``runBlocking(_:)`` for a throwing call.
func runBlockingThrowing(_ body: @escaping @Sendable () throws(KafkaError) -> Void) async throws(KafkaError) {
    let failure: KafkaError? = await runBlocking { () -> KafkaError? in
        do throws(KafkaError) { try body(); return nil } catch { return error }
    }
    if let failure { throw failure }
}
