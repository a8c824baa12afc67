/// Bytes being written: a plain pointer, a count and a capacity, so a writer's many small
/// appends are a store and a compare each (an array checks its uniqueness and capacity,
/// through a call, on every append).
///
/// It starts in a scratch buffer the caller provides (usually on the stack: see
/// ``stackCapacity``) and moves to the heap only when the bytes outgrow it. The worker writes
/// every cart event's state record (``BinaryWriter``) and output events (EventWire's writer)
/// through one. It owns its heap storage, so it cannot be copied.
public struct ByteOutput: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var length = 0
    @usableFromInline var capacity: Int
    /// Whether `base` was allocated here (and is freed here); a scratch buffer is not.
    @usableFromInline var ownsStorage: Bool

    /// How many bytes were written.
    @inlinable public var count: Int { length }

    /// What `withUnsafeTemporaryAllocation` keeps on the stack unconditionally; a larger
    /// request asks the runtime, which on Linux answers with a heap allocation.
    public static var stackCapacity: Int { 1024 }

    /// Writes into `scratch` first (not freed here).
    public init(scratch: UnsafeMutableRawBufferPointer) {
        base = scratch.bindMemory(to: UInt8.self).baseAddress!
        capacity = scratch.count
        ownsStorage = false
    }

    /// Writes into heap storage of `capacity` bytes to begin with.
    public init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
        ownsStorage = true
    }

    deinit {
        if ownsStorage { base.deallocate() }
    }

    /// Makes room for `extra` more bytes; returns where they go (then ``commit(_:)`` them).
    @inlinable @inline(__always) @discardableResult
    public mutating func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if capacity &- length < extra { grow(extra) }
        return base + length
    }

    /// `extra` bytes written at the pointer ``reserve(_:)`` returned.
    @inlinable @inline(__always)
    public mutating func commit(_ extra: Int) {
        length &+= extra
    }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1).pointee = byte
        length &+= 1
    }

    @inlinable @inline(__always)
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        reserve(bytes.count).update(from: source, count: bytes.count)
        length &+= bytes.count
    }

    /// The bytes written so far, in place (valid until the next write).
    @inlinable
    public var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: length) }

    /// The bytes written so far, as a new array of exactly their count.
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { array, initialized in
            if count > 0 { array.baseAddress!.initialize(from: base, count: count) }
            initialized = count
        }
    }

    @usableFromInline @inline(never)
    mutating func grow(_ extra: Int) {
        let newCapacity = max(capacity * 2, length + extra)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        storage.initialize(from: base, count: length)
        if ownsStorage { base.deallocate() }
        base = storage
        capacity = newCapacity
        ownsStorage = true
    }
}
