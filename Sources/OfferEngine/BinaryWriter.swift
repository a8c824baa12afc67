/// Appends values to a compact binary record: LEB128 varints, zigzag for signed numbers,
/// length-prefixed UTF-8, exact decimals and event times.
///
/// The worker keeps every cart's state as such a record in memory and writes the same
/// bytes to its changelog, so the format is chosen for size: a typical cart is a few hundred
/// bytes instead of kilobytes of JSON. Writing is deterministic: the same values give the
/// same bytes. Read back with ``BinaryReader``.
///
/// Every cart event writes one, so the writer is built for many small appends: the bytes go
/// to a plain pointer with a count (an array checks its uniqueness and capacity, through a
/// call, on each append), which is why the writer cannot be copied. ``bytes`` copies them
/// into an array of exactly their size; ``bytes(_:)`` writes a whole record on the stack
/// and allocates only that array.
public struct BinaryWriter: ~Copyable, @unchecked Sendable {
    // @unchecked: the pointers are owned by this value alone (it cannot be copied), so
    // sending it sends them.

    private var output: ByteOutput
    /// How many bytes were written.
    public var count: Int { output.count }
    /// Where the written bytes start (valid until the next write).
    private var base: UnsafeMutablePointer<UInt8> { output.base }

    /// Strings written with ``writeSharedString(_:)``, in order: a repeat refers to its
    /// index. Each is kept as a ``SharedEntry`` (a fingerprint and where its bytes are in the
    /// output), and ASCII ones are found through ``sharedSlots``, a small open-addressing
    /// table of entry numbers keyed by fingerprint: no `String` hashing or comparison for
    /// the usual ids. Past ``sharedIndexThreshold`` strings they are indexed by value instead.
    private var shared: UnsafeMutablePointer<SharedEntry>
    /// ``sharedSlotCount`` slots, each 0 (empty) or an entry's index + 1; right after the
    /// entries in the same memory.
    private var sharedSlots: UnsafeMutablePointer<UInt8>
    private var ownsShared: Bool
    private var sharedCount = 0
    /// Shared strings that are not ASCII, by index: bytes alone cannot tell whether one is
    /// `==` to another string, so they are compared as `String`s.
    private var nonASCIIShared: [(index: Int, value: String)] = []
    private var sharedIndex: [String: Int] = [:]
    private static let sharedIndexThreshold = 32
    /// Twice ``sharedIndexThreshold``, so the table is at most half full.
    private static let sharedSlotCount = 64
    private static let sharedByteCount = sharedIndexThreshold * MemoryLayout<SharedEntry>.stride + sharedSlotCount

    /// One shared string: ``fingerprint`` of its bytes (``nonASCIIFingerprint`` if it is not
    /// ASCII), and `offset << 32 | length` of its bytes in the output.
    private struct SharedEntry {
        var fingerprint: UInt64
        var location: UInt64
    }

    /// No ASCII string's fingerprint has the top bit set (see ``fingerprint(_:_:)``).
    private static let nonASCIIFingerprint: UInt64 = 1 << 63

    /// Room for the usual record without leaving the stack in ``bytes(_:)``:
    /// `withUnsafeTemporaryAllocation` keeps up to 1,024 bytes there.
    static let scratchCapacity = 1024

    public init(capacity: Int = 256) {
        output = ByteOutput(capacity: capacity)
        let sharedMemory = UnsafeMutableRawPointer.allocate(byteCount: Self.sharedByteCount, alignment: 8)
        (shared, sharedSlots) = Self.sharedLayout(sharedMemory)
        ownsShared = true
    }

    /// The entries and the slots (cleared) in `memory` of ``sharedByteCount`` bytes.
    private static func sharedLayout(_ memory: UnsafeMutableRawPointer)
        -> (UnsafeMutablePointer<SharedEntry>, UnsafeMutablePointer<UInt8>) {
        let entries = memory.bindMemory(to: SharedEntry.self, capacity: sharedIndexThreshold)
        let slots = (memory + sharedIndexThreshold * MemoryLayout<SharedEntry>.stride)
            .bindMemory(to: UInt8.self, capacity: sharedSlotCount)
        slots.initialize(repeating: 0, count: sharedSlotCount)
        return (entries, slots)
    }

    private init(scratch: UnsafeMutableRawBufferPointer, shared: UnsafeMutableRawBufferPointer) {
        output = ByteOutput(scratch: scratch)
        (self.shared, sharedSlots) = Self.sharedLayout(shared.baseAddress!)
        ownsShared = false
    }

    deinit {
        if ownsShared { UnsafeMutableRawPointer(shared).deallocate() }
    }

    /// What `write` writes, in an array of exactly that size; the writing itself happens
    /// in stack buffers unless the record outgrows them.
    public static func bytes(_ write: (inout BinaryWriter) -> Void) -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: scratchCapacity, alignment: 8) { scratch in
            withUnsafeTemporaryAllocation(byteCount: sharedByteCount, alignment: 8) { shared in
                var writer = BinaryWriter(scratch: scratch, shared: shared)
                write(&writer)
                return writer.bytes
            }
        }
    }

    /// The bytes written so far, as a new array of exactly their count.
    public var bytes: [UInt8] { output.bytes }

    /// Makes room for `extra` more bytes; returns where they go.
    @inline(__always)
    private mutating func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> { output.reserve(extra) }

    public mutating func writeByte(_ byte: UInt8) {
        output.append(byte)
    }

    /// An unsigned LEB128 varint: 7 bits a byte, low bits first; 0–127 take one byte.
    @inline(__always)
    public mutating func writeVarint<T: UnsignedInteger & FixedWidthInteger>(_ value: T) {
        // At most one byte per 7 bits, plus one.
        let bytes = reserve(T.bitWidth / 7 + 1)
        var rest = value
        var written = 0
        while rest >= 0x80 {
            bytes[written] = UInt8(truncatingIfNeeded: rest) | 0x80
            rest >>= 7
            written &+= 1
        }
        bytes[written] = UInt8(truncatingIfNeeded: rest)
        output.commit(written &+ 1)
    }

    /// A signed number as a zigzag varint, so small negative numbers stay short too.
    public mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A count or quantity; negative values are written as zero only if the caller forgot
    /// to validate, so they are refused instead.
    public mutating func writeCount(_ value: Int) {
        precondition(value >= 0, "a count is never negative")
        writeVarint(UInt64(value))
    }

    /// UTF-8 bytes after their length.
    public mutating func writeString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeCount(utf8.count)
            output.append(utf8)
        }
    }

    /// A string that may repeat within the record (offer ids, line ids, variants): the first
    /// time it is written in full, later times as a back-reference of usually one byte.
    ///
    /// The varint holds `length << 1` for a new string and `index << 1 | 1` for a repeat of
    /// the `index`-th distinct shared string of the record. Repeats are found by `String`
    /// equality (canonical equivalence), as a dictionary key would be.
    public mutating func writeSharedString(_ value: String) {
        // The view's storage is the string's own (or a stack copy of a small one): no copy
        // of the string, no retain. Only a string bridged from elsewhere has none.
        let written: Void? = value.utf8.withContiguousStorageIfAvailable { writeSharedString(value, utf8: $0) }
        if written == nil {
            var copy = value
            copy.withUTF8 { writeSharedString(value, utf8: $0) }
        }
    }

    private mutating func writeSharedString(_ value: String, utf8: UnsafeBufferPointer<UInt8>) {
        let fingerprint = sharedIndex.isEmpty ? Self.fingerprint(utf8) : 0
        if let index = sharedStringIndex(of: value, utf8: utf8, fingerprint: fingerprint) {
            writeVarint(UInt64(index) << 1 | 1)
            return
        }
        writeVarint(UInt64(utf8.count) << 1)
        let offset = count
        output.append(utf8)
        addShared(value, at: offset, utf8: utf8, fingerprint: fingerprint)
    }

    /// The index of `value` (whose bytes are `utf8`, whose ``fingerprint(_:)`` is
    /// `fingerprint`) among the shared strings written so far, by `String` equality.
    ///
    /// Two ASCII strings are `==` exactly when their bytes are equal, so ASCII ones are
    /// found by fingerprint and bytes; a string that is not ASCII can be `==` to one that is
    /// (the Kelvin sign to `K`, the Greek question mark to `;`, U+1FEF to a backtick) or to
    /// other bytes, so every comparison involving one is made as `String`s.
    @inline(__always)
    private func sharedStringIndex(of value: String, utf8: UnsafeBufferPointer<UInt8>, fingerprint: UInt64) -> Int? {
        if !sharedIndex.isEmpty { return sharedIndex[value] }
        guard sharedCount > 0 else { return nil }
        if fingerprint == Self.nonASCIIFingerprint {
            for index in 0..<sharedCount where sharedString(index) == value { return index }
            return nil
        }
        var slot = Self.slot(of: fingerprint)
        while sharedSlots[slot] != 0 {
            let index = Int(sharedSlots[slot]) &- 1
            let entry = shared[index]
            if entry.fingerprint == fingerprint, Int(truncatingIfNeeded: entry.location & 0xFFFF_FFFF) == utf8.count,
               Self.equalBytes(base + Int(truncatingIfNeeded: entry.location >> 32), utf8.baseAddress, utf8.count) {
                return index
            }
            slot = (slot &+ 1) & (Self.sharedSlotCount &- 1)
        }
        if nonASCIIShared.isEmpty { return nil }
        for entry in nonASCIIShared where entry.value == value { return entry.index }
        return nil
    }

    /// Where in ``sharedSlots`` an ASCII string with `fingerprint` is looked for first.
    @inline(__always)
    private static func slot(of fingerprint: UInt64) -> Int {
        Int(truncatingIfNeeded: fingerprint >> 57) & (sharedSlotCount &- 1)
    }

    /// Records `value`, just written at `offset`, as the next shared string.
    private mutating func addShared(_ value: String, at offset: Int, utf8: UnsafeBufferPointer<UInt8>, fingerprint: UInt64) {
        if sharedCount >= Self.sharedIndexThreshold {
            if sharedIndex.isEmpty {
                sharedIndex.reserveCapacity(sharedCount * 2)
                for index in 0..<sharedCount { sharedIndex[sharedString(index)] = index }
            }
            sharedIndex[value] = sharedCount
            sharedCount += 1
            return
        }
        precondition(offset <= Int(UInt32.max) && utf8.count <= Int(UInt32.max), "a state record is far below 4 GiB")
        if fingerprint == Self.nonASCIIFingerprint {
            nonASCIIShared.append((sharedCount, value))
        } else {
            var slot = Self.slot(of: fingerprint)
            while sharedSlots[slot] != 0 { slot = (slot &+ 1) & (Self.sharedSlotCount &- 1) }
            sharedSlots[slot] = UInt8(truncatingIfNeeded: sharedCount &+ 1)
        }
        shared[sharedCount] = SharedEntry(fingerprint: fingerprint, location: UInt64(offset) << 32 | UInt64(utf8.count))
        sharedCount += 1
    }

    /// The `index`-th shared string (of the first ``sharedIndexThreshold``), read back from
    /// the output: it holds the string's own UTF-8 bytes, so the result is the same string.
    private func sharedString(_ index: Int) -> String {
        let location = shared[index].location
        let bytes = UnsafeBufferPointer(start: base + Int(truncatingIfNeeded: location >> 32),
                                        count: Int(truncatingIfNeeded: location & 0xFFFF_FFFF))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A 64-bit summary of an ASCII string's bytes (equal bytes, equal fingerprints; top bit
    /// clear, the next six bits well mixed), or ``nonASCIIFingerprint`` when any byte is not
    /// ASCII.
    @inline(__always)
    static func fingerprint(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let length = utf8.count
        guard let start = utf8.baseAddress, length > 0 else { return 0 }
        let raw = UnsafeRawPointer(start)
        var first: UInt64
        var last: UInt64
        var high: UInt64
        if length >= 8 {
            first = raw.loadUnaligned(as: UInt64.self)
            last = raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
            high = first | last
            var offset = 8
            while offset < length - 8 {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                high |= word
                first = (first ^ word) &* 0x9E37_79B9_7F4A_7C15
                offset += 8
            }
        } else if length >= 4 {
            // Two four-byte loads cover the 4 to 7 bytes (overlapping): given the length, a
            // different string gives different words.
            first = UInt64(raw.loadUnaligned(as: UInt32.self))
            last = UInt64(raw.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)) << 32
            high = first | last
        } else {
            first = UInt64(start[0]) | UInt64(start[length >> 1]) << 8 | UInt64(start[length - 1]) << 16
            last = first
            high = first
        }
        guard high & 0x8080_8080_8080_8080 == 0 else { return nonASCIIFingerprint }
        // Multiplying carries every input bit into the high bits, which pick the slot.
        let mixed = (first ^ (last << 29 | last >> 35) ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15
        return mixed >> 1
    }

    /// Whether `count` bytes at `left` and `right` are equal.
    @inline(__always)
    private static func equalBytes(_ left: UnsafePointer<UInt8>, _ right: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        guard count > 0, let right else { return true }
        let leftRaw = UnsafeRawPointer(left), rightRaw = UnsafeRawPointer(right)
        var offset = 0
        while offset + 8 <= count {
            guard leftRaw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                == rightRaw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) else { return false }
            offset += 8
        }
        while offset < count {
            guard left[offset] == right[offset] else { return false }
            offset += 1
        }
        return true
    }

    /// Eight bytes, little-endian: for hashes, whose bits are spread and would not shrink
    /// as a varint.
    public mutating func writeFixed64(_ value: UInt64) {
        UnsafeMutableRawPointer(reserve(8)).storeBytes(of: value.littleEndian, as: UInt64.self)
        output.commit(8)
    }

    /// An exact decimal: the zigzag mantissa, then the scale.
    public mutating func writeDecimal(_ value: DecimalAmount) {
        writeVarint(UInt128(bitPattern: (value.mantissa << 1) ^ (value.mantissa >> 127)))
        writeByte(UInt8(value.scale))
    }

    /// An absolute event time: zigzag milliseconds since the epoch.
    public mutating func writeTime(_ time: EventTime) {
        writeSignedVarint(time.millisecondsSinceEpoch)
    }

    /// A time relative to `base`. Whole seconds (the usual case: ttls and event times) are
    /// written as seconds, so an hour takes two bytes; the low bit tells which unit.
    public mutating func writeTime(_ time: EventTime, relativeTo base: EventTime) {
        let (delta, overflow) = time.millisecondsSinceEpoch.subtractingReportingOverflow(base.millisecondsSinceEpoch)
        precondition(!overflow, "event times are far from Int64's limits")
        let zigzag = { (value: Int64) in UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
        if delta % 1000 == 0 {
            writeVarint(zigzag(delta / 1000) << 1)
        } else {
            writeVarint(zigzag(delta) << 1 | 1)
        }
    }

    /// The 128 bits of `value` when it is a UUID in canonical form (lower-case hex,
    /// dashes at 8, 13, 18 and 23: what the engine makes), for ``writeUUID(_:)``; `nil` for
    /// any other string, which must then be written as a string to read back the same.
    public static func canonicalUUID(_ value: String) -> UInt128? {
        UUIDText.parse(value)
    }

    /// A UUID's 16 bytes, big-endian (read back as text by ``BinaryReader/readCanonicalUUID(_:)``).
    public mutating func writeUUID(_ bits: UInt128) {
        let bytes = UnsafeMutableRawPointer(reserve(16))
        bytes.storeBytes(of: UInt64(truncatingIfNeeded: bits >> 64).bigEndian, as: UInt64.self)
        bytes.storeBytes(of: UInt64(truncatingIfNeeded: bits).bigEndian, toByteOffset: 8, as: UInt64.self)
        output.commit(16)
    }
}
