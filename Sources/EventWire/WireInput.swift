/// The checks `EventCodec` and Foundation's `JSONDecoder` make on the raw bytes before any
/// JSON is read: the UTF-8 check, then the encoding sniffing of RFC 4627 §3.
enum WireInput {
    /// Whether `bytes` are well-formed UTF-8 (Unicode table 3-7: no overlong forms, no
    /// surrogates, nothing above U+10FFFF), as `String(validating:as:)` decides.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            // ASCII, 32 then eight bytes at a time: the common case for events.
            if count - index >= 32 {
                let bytes = UnsafeRawPointer(base + index)
                let words = bytes.loadUnaligned(as: UInt64.self) | bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                    | bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                if words & 0x8080_8080_8080_8080 == 0 {
                    index += 32
                    continue
                }
            }
            if index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
                index + offset < count && base[index + offset] >= low && base[index + offset] <= high
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                index += 2
            case 0xE0:
                guard continuation(1, 0xA0), continuation(2) else { return false }
                index += 3
            case 0xED:
                guard continuation(1, 0x80, 0x9F), continuation(2) else { return false }
                index += 3
            case 0xE1...0xEC, 0xEE...0xEF:
                guard continuation(1), continuation(2) else { return false }
                index += 3
            case 0xF0:
                guard continuation(1, 0x90), continuation(2), continuation(3) else { return false }
                index += 4
            case 0xF1...0xF3:
                guard continuation(1), continuation(2), continuation(3) else { return false }
                index += 4
            case 0xF4:
                guard continuation(1, 0x80, 0x8F), continuation(2), continuation(3) else { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }

    /// How Foundation reads the document, judged from its first four bytes.
    enum Representation: Equatable {
        /// UTF-8, after skipping `bomLength` bytes of byte order mark.
        case utf8(bomLength: Int)
        case utf16(bigEndian: Bool)
        case utf32(bigEndian: Bool)
    }

    /// Foundation's sniffing, for bytes already known to be UTF-8: a UTF-8 byte order mark
    /// is skipped, and NUL bytes in the first four make it read UTF-16 or UTF-32 (so
    /// `"5\0"` is the number 5 in UTF-16LE). The byte order marks of UTF-16 and UTF-32 are
    /// never valid UTF-8, so they cannot occur here.
    static func representation(of bytes: UnsafeBufferPointer<UInt8>) -> Representation {
        let count = bytes.count
        let b0: UInt8? = count > 0 ? bytes[0] : nil
        let b1: UInt8? = count > 1 ? bytes[1] : nil
        let b2: UInt8? = count > 2 ? bytes[2] : nil
        let b3: UInt8? = count > 3 ? bytes[3] : nil
        // In the order JSONDecoder matches them.
        switch (b0, b1, b2, b3) {
        case (0xEF, 0xBB, 0xBF, _):
            return .utf8(bomLength: 3)
        case let (0, 0, 0, .some(nz)) where nz != 0:
            return .utf32(bigEndian: true)
        case let (0, .some(nz1), 0, .some(nz2)) where nz1 != 0 && nz2 != 0:
            return .utf16(bigEndian: true)
        case let (.some(nz), 0, 0, 0) where nz != 0:
            return .utf32(bigEndian: false)
        case let (.some(nz1), 0, .some(nz2), 0) where nz1 != 0 && nz2 != 0:
            return .utf16(bigEndian: false)
        case let (0, .some(nz), nil, nil) where nz != 0:
            return .utf16(bigEndian: true)
        case let (.some(nz), 0, nil, nil) where nz != 0:
            return .utf16(bigEndian: false)
        default:
            return .utf8(bomLength: 0)
        }
    }

    /// The UTF-8 of a UTF-16 or UTF-32 document, as `String(bytes:encoding:)` makes it: a
    /// trailing partial code unit is dropped, and any invalid code unit (an unpaired
    /// surrogate, a value above U+10FFFF) makes the whole conversion fail (`nil`).
    static func transcode(_ bytes: UnsafeBufferPointer<UInt8>, from representation: Representation) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        func append(_ scalar: Unicode.Scalar) {
            output.append(contentsOf: UTF8.encode(scalar)!)
        }
        switch representation {
        case .utf8:
            return Array(bytes)
        case .utf16(let bigEndian):
            let units = bytes.count / 2
            func unit(_ index: Int) -> UInt16 {
                let first = UInt16(bytes[2 * index]), second = UInt16(bytes[2 * index + 1])
                return bigEndian ? first << 8 | second : second << 8 | first
            }
            var index = 0
            while index < units {
                let value = unit(index)
                index += 1
                if UTF16.isLeadSurrogate(value) {
                    guard index < units, UTF16.isTrailSurrogate(unit(index)) else { return nil }
                    append(UTF16.decode(UTF16.EncodedScalar([value, unit(index)])))
                    index += 1
                } else if let scalar = Unicode.Scalar(value) {
                    append(scalar)
                } else {
                    return nil
                }
            }
        case .utf32(let bigEndian):
            for index in 0..<bytes.count / 4 {
                var value: UInt32 = 0
                for offset in 0..<4 {
                    let byte = UInt32(bytes[4 * index + (bigEndian ? offset : 3 - offset)])
                    value = value << 8 | byte
                }
                guard let scalar = Unicode.Scalar(value) else { return nil }
                append(scalar)
            }
        }
        return output
    }
}
