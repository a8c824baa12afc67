import Synchronization

/// Small values that repeat from one event to the next (a product's `tags` and
/// `collectionIds`, a channel's `attributes`), kept by their JSON text so the reader hands
/// out the array or dictionary it built before instead of building an equal one again.
///
/// A cart event has a dozen such arrays and one such dictionary, and building them (and
/// freeing them when the event is done) was about a tenth of the worker's CPU per event; a
/// repeat costs a hash of a few dozen bytes, one compare and a retain.
///
/// Exact by construction: only a value that parsed without any failure is kept, keyed by
/// the exact bytes it was read from, and a value is taken only where the document holds
/// those same bytes. JSON arrays and objects end at their own closing bracket, so the same
/// bytes read the same way; the result is the same, and so is everything refused.
///
/// One per ``WireCodec`` user (the worker's processor); the table is locked once per
/// document, so copies of a codec may decode on several threads. Its size is fixed: a new
/// value takes the slot of an older one with the same hash.
public final class WireInterner: @unchecked Sendable {
    /// Guards `table`: held for the whole of one document's read.
    private let lock = Mutex(())
    private var table = WireInternTable()

    public init() {}

    /// How many arrays and dictionaries were handed out again instead of read (for tests).
    var reusedValues: Int {
        lock.withLock { _ in table.stringArrays.reused + table.stringDictionaries.reused }
    }

    /// Runs `body` with the table locked.
    func withTable<Value>(_ body: (UnsafeMutablePointer<WireInternTable>) throws(WireFailure) -> Value) throws(WireFailure) -> Value {
        var failure: WireFailure?
        let value = lock.withLock { _ -> Value? in
            withUnsafeMutablePointer(to: &table) { pointer -> Value? in
                do throws(WireFailure) {
                    return try body(pointer)
                } catch {
                    failure = error
                    return nil
                }
            }
        }
        if let failure { throw failure }
        return value.unsafelyUnwrapped
    }
}

/// The slots of a ``WireInterner``: string arrays and string dictionaries.
struct WireInternTable {
    var stringArrays = InternSlots<[String]>(count: 1024, closing: .closeBracket)
    var stringDictionaries = InternSlots<[String: String]>(count: 256, closing: .closeBrace)
}

/// A direct-mapped cache from a value's JSON text (its opening bracket up to the first
/// closing one) to the value read from it. The texts sit in one flat buffer, so a lookup
/// compares bytes without touching any reference count but the value's own.
struct InternSlots<Value> {
    /// Longer texts are read every time: they rarely repeat and would make the slots large.
    static var maximumText: Int { 96 }

    /// Slot `i`'s text at `i * maximumText`, its length in `lengths[i]` (0: empty slot).
    private var texts: [UInt8]
    private var lengths: [Int]
    private var values: [Value?]
    private let mask: Int
    /// Values handed out again.
    private(set) var reused = 0
    /// The byte that ends a text: `]` or `}`.
    private let closing: UInt8

    /// `count` is a power of two.
    init(count: Int, closing: UInt8) {
        precondition(count > 0 && count & (count - 1) == 0, "a power of two")
        texts = Array(repeating: 0, count: count * Self.maximumText)
        lengths = Array(repeating: 0, count: count)
        values = Array(repeating: nil, count: count)
        mask = count - 1
        self.closing = closing
    }

    /// The value kept for the text at `start` and its length, if the bytes there (up to the
    /// first closing byte) are a text read before.
    @inline(__always)
    mutating func value(at start: UnsafePointer<UInt8>, available: Int) -> (value: Value, length: Int)? {
        guard let (length, hash) = delimit(start, available: available) else { return nil }
        let slot = hash & mask
        let same = lengths.withUnsafeBufferPointer { $0[slot] } == length && texts.withUnsafeBufferPointer { texts in
            equalBytes(texts.baseAddress! + slot * Self.maximumText, start, length)
        }
        guard same, let value = values.withUnsafeBufferPointer({ $0[slot] }) else { return nil }
        reused &+= 1
        return (value, length)
    }

    /// Keeps `value`, read without failure from `text`; a text that the lookup would not
    /// delimit the same way (too long, or a closing byte inside a string) is not kept.
    mutating func keep(_ value: Value, text: UnsafeBufferPointer<UInt8>) {
        guard let start = text.baseAddress, let (length, hash) = delimit(start, available: text.count), length == text.count
        else { return }
        let slot = hash & mask
        texts.withUnsafeMutableBufferPointer { texts in
            (texts.baseAddress! + slot * Self.maximumText).update(from: start, count: length)
        }
        lengths[slot] = length
        values[slot] = value
    }

    /// The length of the bytes from `start` through the first closing byte, if within
    /// ``maximumText``, and a hash of them, worked out in the same pass eight bytes at a time.
    @inline(__always)
    private func delimit(_ start: UnsafePointer<UInt8>, available: Int) -> (length: Int, hash: Int)? {
        let limit = min(available, Self.maximumText)
        let raw = UnsafeRawPointer(start)
        let pattern = UInt64(closing) &* 0x0101_0101_0101_0101
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var offset = 0
        while limit - offset >= 8 {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            // The lowest byte equal to `closing` has the top bit of its lane set (higher
            // lanes may be wrong, the lowest never is).
            let x = word ^ pattern
            let found = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if found != 0 {
                let bytes = found.trailingZeroBitCount / 8 + 1
                let tail = bytes == 8 ? word : word & ((1 &<< UInt64(8 * bytes)) &- 1)
                return (offset + bytes, Self.finish(Self.mix(hash, tail), length: offset + bytes))
            }
            hash = Self.mix(hash, word)
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < limit {
            let byte = start[offset]
            tail |= UInt64(byte) << shift
            shift += 8
            offset += 1
            if byte == closing { return (offset, Self.finish(Self.mix(hash, tail), length: offset)) }
        }
        return nil
    }

    @inline(__always)
    private static func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        let mixed = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
        return mixed ^ (mixed >> 29)
    }

    @inline(__always)
    private static func finish(_ hash: UInt64, length: Int) -> Int {
        Int(truncatingIfNeeded: mix(hash, UInt64(length)))
    }
}

/// Whether the `count` bytes at `a` and `b` are equal.
@inline(__always)
private func equalBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var offset = 0
    while count - offset >= 8 {
        let x = UnsafeRawPointer(a + offset).loadUnaligned(as: UInt64.self)
        let y = UnsafeRawPointer(b + offset).loadUnaligned(as: UInt64.self)
        if x != y { return false }
        offset += 8
    }
    while offset < count {
        if a[offset] != b[offset] { return false }
        offset += 1
    }
    return true
}
