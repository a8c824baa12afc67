import Foundation

/// Threads that process a batch's shards alongside the loop's own thread (fork–join).
///
/// The processing loop stays one thread that owns the consumer, the producer and the
/// bookkeeping; only the pure per-record work (decode, evaluate, encode, update the cart's
/// state) of one batch is spread over shards, each shard's records on one thread in order.
/// The helpers are plain threads owned by the loop, parked on a condition between batches:
/// never Swift's cooperative pool, and nothing here calls librdkafka.
final class ShardThreads: @unchecked Sendable {
    private final class Helper: @unchecked Sendable {
        private let condition = NSCondition()
        private var job: (() -> Void)?
        private var busy = false
        private var stopping = false

        init(name: String) {
            let thread = Thread { [self] in serve() }
            thread.name = name
            thread.start()
        }

        private func serve() {
            while true {
                condition.lock()
                while job == nil && !stopping { condition.wait() }
                var work = job
                job = nil
                condition.unlock()
                guard work != nil else { return }
                work!()
                // Released before the caller hears of it: the job borrows the caller's closure.
                work = nil
                condition.lock()
                busy = false
                condition.broadcast()
                condition.unlock()
            }
        }

        func start(_ work: @escaping () -> Void) {
            condition.lock()
            precondition(!busy, "a shard helper runs one job at a time")
            job = work
            busy = true
            condition.signal()
            condition.unlock()
        }

        func waitUntilDone() {
            condition.lock()
            while busy { condition.wait() }
            condition.unlock()
        }

        func stop() {
            condition.lock()
            stopping = true
            condition.broadcast()
            condition.unlock()
        }
    }

    private let helpers: [Helper]

    /// `threads` in all, counting the caller's: `threads - 1` helpers are started.
    init(threads: Int) {
        helpers = (1..<max(threads, 1)).map { Helper(name: "offer-worker-shard-\($0)") }
    }

    /// Shards that can run at once (the caller's thread included).
    var width: Int { helpers.count + 1 }

    /// Runs `body(0)` … `body(count - 1)`, shard 0 on the calling thread and the others on the
    /// helpers, and returns when all have finished. `body` must only touch what belongs to
    /// its shard.
    func run(_ count: Int, _ body: (Int) -> Void) {
        precondition(count <= width, "\(count) shards for \(width) threads")
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBody(body: body)
            for index in 1..<max(count, 1) { helpers[index - 1].start { shared.body(index) } }
            body(0)
            for index in 1..<max(count, 1) { helpers[index - 1].waitUntilDone() }
        }
    }

    /// Lets the helper threads end.
    func stop() {
        for helper in helpers { helper.stop() }
    }

    deinit { stop() }

    /// The caller waits for every helper before `run` returns, so the body outlives its use.
    private struct UncheckedBody: @unchecked Sendable {
        let body: (Int) -> Void
    }
}
