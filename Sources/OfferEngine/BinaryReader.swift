/// Why a binary record cannot be read: what was being read, where, and what was wrong.
public struct BinaryDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset in the record where reading failed.
    public var offset: Int
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "at byte \(offset): \(reason)" }
}

/// Reads what ``BinaryWriter`` wrote, checking every length and range, so a truncated or
/// corrupted record gives a ``BinaryDecodingError`` naming the field, never a crash.
public struct BinaryReader: Sendable {
    public let bytes: [UInt8]
    /// The next byte to read.
    public private(set) var offset: Int
    /// Strings read with ``readSharedString(_:)``, for back-references.
    private var sharedStrings: [String] = []

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
        sharedStrings.reserveCapacity(16)
    }

    /// Whether every byte was read.
    public var isAtEnd: Bool { offset == bytes.count }

    /// An error at `offset` (by default the current one): for a value that was read but
    /// is not allowed, pass where it started.
    public func error(_ reason: String, at offset: Int? = nil) -> BinaryDecodingError {
        BinaryDecodingError(offset: offset ?? self.offset, reason: reason)
    }

    public mutating func readByte(_ field: @autoclosure () -> String) throws(BinaryDecodingError) -> UInt8 {
        guard offset < bytes.count else { throw error("\(field()): unexpected end of data") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// An unsigned LEB128 varint that must fit `T`.
    ///
    /// Most varints in a record (counts, string lengths, back-references, quantities) are
    /// below 128, one byte: that case is read here, inline, and the rest by
    /// ``readLongVarint(_:_:)``.
    @inline(__always)
    public mutating func readVarint<T: UnsignedInteger & FixedWidthInteger>(
        _ type: T.Type = UInt64.self, _ field: @autoclosure () -> String
    ) throws(BinaryDecodingError) -> T {
        if offset < bytes.count {
            let byte = bytes[offset]
            if byte < 0x80 {
                offset += 1
                return T(byte)
            }
        }
        return try readLongVarint(type, field())
    }

    /// ``readVarint(_:_:)`` for any length, checking the end of data and `T`'s range.
    private mutating func readLongVarint<T: UnsignedInteger & FixedWidthInteger>(
        _ type: T.Type, _ field: @autoclosure () -> String
    ) throws(BinaryDecodingError) -> T {
        let start = offset
        var value: T = 0
        var shift = 0
        while true {
            guard offset < bytes.count else {
                offset = start
                throw error("\(field()): unexpected end of data")
            }
            let byte = bytes[offset]
            offset += 1
            let payload = T(byte & 0x7F)
            guard shift < T.bitWidth, shift + 7 <= T.bitWidth || payload >> (T.bitWidth - shift) == 0 else {
                offset = start
                throw error("\(field()): number too large")
            }
            value |= payload << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    public mutating func readSignedVarint(_ field: @autoclosure () -> String) throws(BinaryDecodingError) -> Int64 {
        let zigzag = try readVarint(UInt64.self, field())
        return Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
    }

    /// A count of at most `limit`, so a corrupted count cannot make the reader allocate
    /// or loop without bound.
    public mutating func readCount(_ field: @autoclosure () -> String, limit: Int = 1 << 20) throws(BinaryDecodingError) -> Int {
        let start = offset
        let value = try readVarint(UInt64.self, field())
        guard value <= UInt64(limit) else {
            offset = start
            throw error("\(field()): \(value) is more than \(limit)")
        }
        return Int(value)
    }

    public mutating func readString(_ field: @autoclosure () -> String) throws(BinaryDecodingError) -> String {
        let length = try readCount("\(field()) length")
        return try readUTF8(length: length, field())
    }

    /// A string written by ``BinaryWriter/writeSharedString(_:)``.
    public mutating func readSharedString(_ field: @autoclosure () -> String) throws(BinaryDecodingError) -> String {
        let start = offset
        let tag = try readVarint(UInt64.self, field())
        if tag & 1 == 1 {
            let index = tag >> 1
            guard index < UInt64(sharedStrings.count) else {
                offset = start
                throw error("\(field()): refers to string \(index), but only \(sharedStrings.count) came before")
            }
            return sharedStrings[Int(index)]
        }
        guard tag >> 1 <= UInt64(bytes.count - offset) else {
            offset = start
            throw error("\(field()): length \(tag >> 1) runs past the end of data")
        }
        let value = try readUTF8(length: Int(tag >> 1), field())
        sharedStrings.append(value)
        return value
    }

    public mutating func readFixed64(_ field: @autoclosure () -> String) throws(BinaryDecodingError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw error("\(field()): unexpected end of data") }
        var value: UInt64 = 0
        for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        offset += 8
        return value
    }

    /// An exact decimal, checked against ``DecimalAmount``'s digit and scale limits.
    public mutating func readDecimal(_ field: @autoclosure () -> String) throws(BinaryDecodingError) -> DecimalAmount {
        let start = offset
        let zigzag = try readVarint(UInt128.self, field())
        let mantissa = Int128(bitPattern: zigzag >> 1) ^ -Int128(bitPattern: zigzag & 1)
        let scale = Int(try readByte("\(field()) scale"))
        guard scale <= DecimalAmount.maximumScale, mantissa.magnitude < Self.decimalLimit else {
            offset = start
            throw error("\(field()): not an amount (scale \(scale), \(mantissa.magnitude) as digits)")
        }
        return DecimalAmount(mantissa: mantissa, scale: scale)
    }

    public mutating func readTime(_ field: @autoclosure () -> String) throws(BinaryDecodingError) -> EventTime {
        EventTime(millisecondsSinceEpoch: try readSignedVarint(field()))
    }

    /// A time written by ``BinaryWriter/writeTime(_:relativeTo:)``.
    public mutating func readTime(_ field: @autoclosure () -> String, relativeTo base: EventTime) throws(BinaryDecodingError) -> EventTime {
        let start = offset
        let tagged = try readVarint(UInt64.self, field())
        let zigzag = tagged >> 1
        var delta = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
        var overflow = false
        if tagged & 1 == 0 { (delta, overflow) = delta.multipliedReportingOverflow(by: 1000) }
        let (milliseconds, sumOverflow) = base.millisecondsSinceEpoch.addingReportingOverflow(delta)
        guard !overflow, !sumOverflow else {
            offset = start
            throw error("\(field()): time out of range")
        }
        return EventTime(millisecondsSinceEpoch: milliseconds)
    }

    /// 16 bytes as a lower-case UUID string (see ``BinaryWriter/writeCanonicalUUID(_:)``).
    public mutating func readCanonicalUUID(_ field: @autoclosure () -> String) throws(BinaryDecodingError) -> String {
        guard bytes.count - offset >= 16 else { throw error("\(field()): unexpected end of data") }
        let start = offset
        offset += 16
        return bytes.withUnsafeBytes { UUIDText.format(UnsafeRawBufferPointer(rebasing: $0[start..<start + 16])) }
    }

    private mutating func readUTF8(length: Int, _ field: @autoclosure () -> String) throws(BinaryDecodingError) -> String {
        guard length <= bytes.count - offset else { throw error("\(field()): length \(length) runs past the end of data") }
        let start = offset
        let value = bytes.withUnsafeBufferPointer { buffer -> String? in
            let utf8 = UnsafeBufferPointer(rebasing: buffer[start..<start + length])
            // Ids are ASCII, which needs no validation and no repair: the specialized decoding
            // initializer is then exact, and far cheaper than the generic validating one.
            if Self.isASCII(utf8) { return String(decoding: utf8, as: UTF8.self) }
            return String(validating: utf8, as: UTF8.self)
        }
        guard let value else { throw error("\(field()): not valid UTF-8") }
        offset += length
        return value
    }

    /// Whether every byte is below 0x80, eight at a time.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(start)
        let count = bytes.count
        var high: UInt64 = 0
        var offset = 0
        while offset &+ 8 <= count {
            high |= raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset &+= 8
        }
        if offset < count {
            if count >= 8 {
                // The last eight bytes, overlapping ones already checked.
                high |= raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            } else {
                while offset < count { high |= UInt64(start[offset]); offset &+= 1 }
            }
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    private static let decimalLimit: UInt128 = {
        var value: UInt128 = 1
        for _ in 0..<DecimalAmount.maximumDigits { value *= 10 }
        return value
    }()
}
