/// The bytes of one event being written: a plain pointer, a count and a capacity, so the
/// writer's many small appends are a store and a compare each (an array checks its
/// uniqueness and capacity on every append, through a call).
///
/// It starts on a stack scratch buffer big enough for the usual event and moves to the heap
/// only for a bigger one; the finished bytes are copied once into the caller's array
/// (``append(to:_:)``) or into a new array of exactly their size (``bytes(_:)``).
struct WireOutput: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// Whether `base` was allocated here (and is freed here); the scratch buffer is not.
    private var ownsStorage = false

    /// Room for the usual output event without leaving the stack. `withUnsafeTemporaryAllocation`
    /// puts up to 1,024 bytes on the stack unconditionally; a larger request asks the
    /// runtime, which on Linux answers with a heap allocation (a malloc and free per event).
    static let scratchCapacity = 1024

    private init(scratch: UnsafeMutableBufferPointer<UInt8>) {
        base = scratch.baseAddress!
        capacity = scratch.count
    }

    deinit {
        if ownsStorage { base.deallocate() }
    }

    /// Appends to `buffer` what `write` writes.
    static func append(to buffer: inout [UInt8], _ write: (inout WireOutput) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scratchCapacity) { scratch in
            var output = WireOutput(scratch: scratch)
            write(&output)
            buffer.append(contentsOf: UnsafeBufferPointer(start: output.base, count: output.count))
        }
    }

    /// What `write` writes, in an array of exactly that size.
    static func bytes(_ write: (inout WireOutput) -> Void) -> [UInt8] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scratchCapacity) { scratch in
            var output = WireOutput(scratch: scratch)
            write(&output)
            let count = output.count
            return [UInt8](unsafeUninitializedCapacity: count) { array, initialized in
                array.baseAddress!.initialize(from: output.base, count: count)
                initialized = count
            }
        }
    }

    /// Makes room for `extra` more bytes; returns where they go.
    @inline(__always) @discardableResult
    mutating func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if capacity - count < extra { grow(extra) }
        return base + count
    }

    @inline(never)
    private mutating func grow(_ extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        storage.initialize(from: base, count: count)
        if ownsStorage { base.deallocate() }
        base = storage
        capacity = newCapacity
        ownsStorage = true
    }

    /// `extra` bytes written at the pointer ``reserve(_:)`` returned.
    @inline(__always)
    mutating func commit(_ extra: Int) {
        count += extra
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1).pointee = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        reserve(bytes.count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `count` copies of `byte`.
    @inline(__always)
    mutating func append(_ byte: UInt8, count repeats: Int) {
        guard repeats > 0 else { return }
        reserve(repeats).update(repeating: byte, count: repeats)
        count += repeats
    }
}
