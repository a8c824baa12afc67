import Foundation
import Kafka
import OfferEngine
import Synchronization

/// Decodes a batch's `cart.updated` records on a second thread while the loop's thread
/// processes the same batch in order, taking each record's event once it is decoded.
///
/// Decoding is about a quarter of a cart event's CPU on the loop's thread, and the one part
/// that needs no state: moving it here lets the loop (one thread, which a worker's
/// throughput is bound by) go on to the next event sooner. It changes nothing else: the
/// loop still processes, produces and commits every record in order, and an event decoded
/// here is the one the loop would have decoded (``EventProcessor/decodeCartEvent(_:)`` is
/// the same code and touches no state), so outputs stay byte-identical. (Evaluating here
/// too, as far as no state is read, was tried: it moved more work than the loop saved.)
///
/// The decoded events are also freed here, not on the loop's thread: the loop only reads
/// them, and once a batch has ended the helper frees its events after decoding the next
/// batch (freeing a cart event's lines, strings and arrays was 4 % of the loop).
///
/// One batch at a time: ``begin(_:processor:)``, then ``withDecoded(_:_:)`` in increasing
/// index order, then ``end()``. Only for the loop's thread, which may block:
/// ``withDecoded(_:_:)`` waits for the helper, ``end()`` for it to let go of the batch.
final class DecodeAhead: @unchecked Sendable {
    /// Smaller batches are decoded inline: handing over costs more than it saves.
    static let minimumBatch = 32

    private let startBatch = DispatchSemaphore(value: 0)
    private let batchDone = DispatchSemaphore(value: 0)
    private let threadDone = DispatchSemaphore(value: 0)
    /// How many records of the batch the helper has decoded: record `i`'s result may be read
    /// once this is above `i`.
    private let decoded = Atomic<Int>(0)
    private let cancelled = Atomic<Bool>(false)
    /// The record the loop sleeps waiting for, `Int.max` when it is not sleeping; whoever
    /// resets it first (the helper, waking the loop, or the loop, finding its record after
    /// all) decides whether `wakeUp` is signalled.
    private let waiting = Atomic<Int>(Int.max)
    private let wakeUp = DispatchSemaphore(value: 0)
    /// How often the loop slept waiting for the helper (the loop's own count).
    private(set) var sleeps = 0
    /// Checks of `decoded` before the loop sleeps.
    private static let spins = 200
    // Written by the loop before `startBatch` is signalled, read by the helper after.
    private var records: [ConsumerRecord] = []
    private var processor: EventProcessor?
    private var stopping = false
    /// Cart events decoded in the batch (the helper's; read after `batchDone`).
    private var cartEvents = 0
    /// Each record's decoded event: written by the helper (below `decoded`), read by the
    /// loop; distinct elements, ordered by `decoded`'s release and acquire.
    private var results = EventSlots()
    /// The previous batch's events, for the helper to free: handed over by ``end()``, freed
    /// by the helper once it has decoded the next batch (or by ``stop()``).
    private var retired = EventSlots()
    /// Storage whose events the helper freed, for the next batch: two buffers take turns, so
    /// batches allocate none on the loop's thread (under glibc's allocator, each allocation
    /// that large also swept its caches of freed small blocks).
    private var spare = EventSlots()

    /// A batch's decoded events, in storage kept from batch to batch.
    private struct EventSlots {
        private var storage = UnsafeMutableBufferPointer<Result<CartUpdated, EventDecodingError>?>(start: nil, count: 0)
        /// The batch's events: the first elements of `storage`, initialized.
        private(set) var events = UnsafeMutableBufferPointer<Result<CartUpdated, EventDecodingError>?>(start: nil, count: 0)

        /// Room for `count` events, each `nil`, growing the storage if need be.
        mutating func fill(_ count: Int) {
            if storage.count < count {
                storage.deallocate()
                storage = .allocate(capacity: count)
            }
            events = UnsafeMutableBufferPointer(rebasing: storage[..<count])
            events.initialize(repeating: nil)
        }

        /// Frees the events, keeping the storage.
        mutating func free() {
            if events.count > 0 { events.deinitialize() }
            events = .init(start: nil, count: 0)
        }

        /// Frees the events and the storage.
        mutating func deallocate() {
            free()
            storage.deallocate()
            storage = .init(start: nil, count: 0)
        }
    }

    init(name: String) {
        NamedThread.start(name) { [self] in run() }
    }

    /// Starts decoding `records` with `processor`'s codec.
    func begin(_ records: [ConsumerRecord], processor: EventProcessor) {
        self.records = records
        self.processor = processor
        swap(&results, &spare)
        results.fill(records.count)
        decoded.store(0, ordering: .relaxed)
        cancelled.store(false, ordering: .relaxed)
        startBatch.signal()
    }

    /// Calls `body` with record `index`'s event (`nil` when it is not a `cart.updated`
    /// record), once ready. The event stays here, to be freed by the helper.
    ///
    /// The event is moved out of the batch's storage for the call and back after it: read
    /// there in place, it was copied for every record (each of its strings and arrays
    /// retained, then released by the loop), because `body` also changes the worker's state
    /// and the compiler cannot tell that this does not reach the storage.
    func withDecoded<R>(_ index: Int, _ body: (borrowing Result<CartUpdated, EventDecodingError>?) -> R) -> R {
        if decoded.load(ordering: .acquiring) <= index { waitUntilDecoded(index) }
        // The helper is past `index` and does not touch it again before `end()`.
        let slot = results.events.baseAddress! + index
        let event = slot.move()
        defer { slot.initialize(to: consume event) }
        return body(event)
    }

    /// Spins briefly, then sleeps until the helper has decoded record `index` (spinning
    /// longer would take a core from the helper itself on a small machine).
    private func waitUntilDecoded(_ index: Int) {
        for _ in 0..<Self.spins where decoded.load(ordering: .acquiring) > index { return }
        while decoded.load(ordering: .sequentiallyConsistent) <= index {
            waiting.store(index, ordering: .sequentiallyConsistent)
            if decoded.load(ordering: .sequentiallyConsistent) > index {
                // Decoded meanwhile: take the wait back, unless the helper already took it and
                // signals (then that signal is consumed here).
                if !waiting.compareExchange(expected: index, desired: Int.max, ordering: .sequentiallyConsistent).exchanged {
                    wakeUp.wait()
                }
                return
            }
            sleeps += 1
            wakeUp.wait()
        }
    }

    /// Stops decoding the batch and waits until the helper has let go of it (also when not
    /// every record was taken, as when the batch's processing failed). Returns how many cart
    /// events the helper decoded.
    @discardableResult
    func end() -> Int {
        cancelled.store(true, ordering: .relaxed)
        batchDone.wait()
        defer { cartEvents = 0 }
        // The helper frees them once it has decoded the next batch (`begin` orders this
        // write before its read).
        swap(&spare, &retired)  // the helper freed its events before `batchDone`
        swap(&retired, &results)
        records = []
        processor = nil
        return cartEvents
    }

    /// Ends the helper thread and waits for it (not within a batch).
    func stop() {
        stopping = true
        startBatch.signal()
        threadDone.wait()
        retired.deallocate()
        spare.deallocate()
    }

    private func run() {
        while true {
            startBatch.wait()
            if stopping { break }
            if let processor {
                for index in records.indices {
                    if cancelled.load(ordering: .relaxed) { break }
                    results.events[index] = processor.decodeCartEvent(records[index])
                    if results.events[index] != nil { cartEvents += 1 }
                    decoded.store(index + 1, ordering: .sequentiallyConsistent)
                    let waiter = waiting.load(ordering: .sequentiallyConsistent)
                    if waiter <= index,
                       waiting.compareExchange(expected: waiter, desired: Int.max, ordering: .sequentiallyConsistent).exchanged {
                        wakeUp.signal()
                    }
                }
            }
            retired.free()
            batchDone.signal()
        }
        threadDone.signal()
    }
}
