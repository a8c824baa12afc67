/// Appends values to a compact binary record: LEB128 varints, zigzag for signed numbers,
/// length-prefixed UTF-8, exact decimals and event times.
///
/// The worker keeps every cart's state as such a record in memory and writes the same
/// bytes to its changelog, so the format is chosen for size: a typical cart is a few hundred
/// bytes instead of kilobytes of JSON. Writing is deterministic: the same values give the
/// same bytes. Read back with ``BinaryReader``.
public struct BinaryWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]
    /// Strings written with ``writeSharedString(_:)``, in order: a repeat refers to its
    /// index. A record has a few dozen at most, so a scan beats hashing each string; past
    /// ``sharedIndexThreshold`` they are also indexed by value.
    private var sharedStrings: [String] = []
    private var sharedIndex: [String: Int] = [:]
    private static let sharedIndexThreshold = 32

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        sharedStrings.reserveCapacity(16)
    }

    public mutating func writeByte(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// An unsigned LEB128 varint: 7 bits a byte, low bits first; 0–127 take one byte.
    public mutating func writeVarint<T: UnsignedInteger & FixedWidthInteger>(_ value: T) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
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
            bytes.append(contentsOf: utf8)
        }
    }

    /// A string that may repeat within the record (offer ids, line ids, variants): the first
    /// time it is written in full, later times as a back-reference of usually one byte.
    ///
    /// The varint holds `length << 1` for a new string and `index << 1 | 1` for a repeat of
    /// the `index`-th distinct shared string of the record.
    public mutating func writeSharedString(_ value: String) {
        if let index = sharedStringIndex(of: value) {
            writeVarint(UInt64(index) << 1 | 1)
            return
        }
        if sharedStrings.count >= Self.sharedIndexThreshold {
            if sharedIndex.isEmpty {
                for (index, string) in sharedStrings.enumerated() { sharedIndex[string] = index }
            }
            sharedIndex[value] = sharedStrings.count
        }
        sharedStrings.append(value)
        var value = value
        value.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count) << 1)
            bytes.append(contentsOf: utf8)
        }
    }

    /// The index of `value` among the shared strings written so far (compared as `String`s,
    /// as a dictionary key would be).
    private func sharedStringIndex(of value: String) -> Int? {
        if !sharedIndex.isEmpty { return sharedIndex[value] }
        return sharedStrings.firstIndex(of: value)
    }

    /// Eight bytes, little-endian: for hashes, whose bits are spread and would not shrink
    /// as a varint.
    public mutating func writeFixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
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
        withUnsafeBytes(of: UInt64(truncatingIfNeeded: bits >> 64).bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(truncatingIfNeeded: bits).bigEndian) { bytes.append(contentsOf: $0) }
    }
}
