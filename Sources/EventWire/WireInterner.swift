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
    /// ``maximumText``, and their 64-bit FNV-1a hash, worked out in the same pass.
    @inline(__always)
    private func delimit(_ start: UnsafePointer<UInt8>, available: Int) -> (length: Int, hash: Int)? {
        let limit = min(available, Self.maximumText)
        var hash: UInt64 = (0xcbf2_9ce4_8422_2325 ^ UInt64(start[0])) &* 0x0000_0100_0000_01b3
        var offset = 1
        while offset < limit {
            let byte = start[offset]
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            if byte == closing { return (offset + 1, Int(truncatingIfNeeded: hash ^ hash >> 29)) }
            offset += 1
        }
        return nil
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
