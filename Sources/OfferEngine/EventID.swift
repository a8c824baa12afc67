import Crypto

/// Deterministic event and presentation ids, derived from the input that caused them.
///
/// Re-processing the same input gives the same ids, so downstream consumers drop
/// duplicates by id and replays compare byte for byte.
public enum EventID {
    /// A UUIDv8 (RFC 9562, custom) string from the SHA-256 of `parts`.
    ///
    /// Each part is length-prefixed, so `("ab", "c")` and `("a", "bc")` differ.
    public static func derive(_ parts: String...) -> String {
        format(digest(partCount: parts.count) { parts[$0] })
    }

    /// ``derive(_:)`` of two parts (every id the worker derives), without the array a
    /// variadic call builds.
    public static func derive(_ first: String, _ second: String) -> String {
        format(digest(partCount: 2) { $0 == 0 ? first : second })
    }

    /// A stable bucket in `0..<count` from the SHA-256 of `parts` (length-prefixed as in
    /// ``derive(_:)``): the same parts give the same bucket on every run and machine.
    public static func bucket(_ parts: String..., count: Int) -> Int {
        bucket(of: digest(partCount: parts.count) { parts[$0] }, count: count)
    }

    /// ``bucket(_:count:)`` of three parts (the holdout bucket), without the array a
    /// variadic call builds.
    public static func bucket(_ first: String, _ second: String, _ third: String, count: Int) -> Int {
        bucket(of: digest(partCount: 3) { $0 == 0 ? first : $0 == 1 ? second : third }, count: count)
    }

    /// The bucket of a digest's first 8 bytes (big-endian).
    private static func bucket(of digest: Prefix, count: Int) -> Int {
        precondition(count > 0, "count must be positive")
        return Int(UInt64(bigEndian: digest.0) % UInt64(count))
    }

    /// A presentation id: like ``derive(_:)``, but its first four bytes are a tag of the
    /// cart, so an acceptance that quotes another cart's presentation is recognised as such.
    static func presentation(cartId: String, offerId: String, cartEventId: String) -> String {
        presentation(cartTag: cartTag(cartId), cartId: cartId, offerId: offerId, cartEventId: cartEventId)
    }

    /// ``presentation(cartId:offerId:cartEventId:)`` with the cart's ``cartTag(_:)`` worked
    /// out by the caller: the engine hashes it once per cart event, not once per offer.
    static func presentation(cartTag tag: UInt32, cartId: String, offerId: String, cartEventId: String) -> String {
        var bytes = digest(partCount: 4) { index in
            switch index {
            case 0: "presentation"
            case 1: cartId
            case 2: offerId
            default: cartEventId
            }
        }
        withUnsafeMutableBytes(of: &bytes) { bytes in
            bytes[0] = UInt8(truncatingIfNeeded: tag >> 24)
            bytes[1] = UInt8(truncatingIfNeeded: tag >> 16)
            bytes[2] = UInt8(truncatingIfNeeded: tag >> 8)
            bytes[3] = UInt8(truncatingIfNeeded: tag)
        }
        return format(bytes)
    }

    /// Whether `presentationId` has the shape of a presentation id made for a cart other
    /// than `cartId`. `false` for ids this worker could not have made.
    static func presentation(_ presentationId: String, belongsToAnotherCartThan cartId: String) -> Bool {
        guard let bytes = parse(presentationId), bytes[6] >> 4 == 8 else { return false }
        let tag = bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return tag != cartTag(cartId)
    }

    /// The first four bytes of the SHA-256 of `("cart", cartId)`, big-endian.
    static func cartTag(_ cartId: String) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt64(bigEndian: digest(partCount: 2) { $0 == 0 ? "cart" : cartId }.0) >> 32)
    }

    /// The first 16 bytes of a digest, in digest order (as laid out in memory).
    private typealias Prefix = (UInt64, UInt64)

    /// The first 16 bytes of the SHA-256 of `part(0)`, ..., `part(partCount - 1)`, each
    /// prefixed with its UTF-8 length (4 bytes, big-endian).
    ///
    /// The message is laid out in one buffer (on the stack when small) and hashed in one
    /// call: the hasher's per-update overhead outweighed the hashing of these short ids.
    /// Parts come from a closure, so fixed-arity callers build no array; the digest bytes
    /// are copied out in one `withUnsafeBytes` that returns nothing, the cheapest use of
    /// that (unspecialized, generic) accessor.
    @inline(__always)
    private static func digest(partCount: Int, _ part: (Int) -> String) -> Prefix {
        var size = 0
        for index in 0..<partCount { size += 4 + part(index).utf8.count }
        let digest = withUnsafeTemporaryAllocation(byteCount: size, alignment: 1) { message in
            var position = 0
            for index in 0..<partCount {
                var text = part(index)
                text.withUTF8 { utf8 in
                    let length = UInt32(utf8.count)
                    message[position] = UInt8(truncatingIfNeeded: length >> 24)
                    message[position + 1] = UInt8(truncatingIfNeeded: length >> 16)
                    message[position + 2] = UInt8(truncatingIfNeeded: length >> 8)
                    message[position + 3] = UInt8(truncatingIfNeeded: length)
                    position += 4
                    if let base = utf8.baseAddress, utf8.count > 0 {
                        (message.baseAddress! + position).copyMemory(from: base, byteCount: utf8.count)
                    }
                    position += utf8.count
                }
            }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(message))
            return hasher.finalize()
        }
        var prefix: Prefix = (0, 0)
        withUnsafeMutableBytes(of: &prefix) { prefix in
            digest.withUnsafeBytes { bytes in
                prefix.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<16]))
            }
        }
        return prefix
    }

    /// The UUID text of `bytes`, with the version and variant bits set.
    private static func format(_ bytes: Prefix) -> String {
        var bytes = bytes
        return withUnsafeMutableBytes(of: &bytes) { uuid in
            uuid[6] = (uuid[6] & 0x0F) | 0x80  // version 8
            uuid[8] = (uuid[8] & 0x3F) | 0x80  // RFC 9562 variant
            return UUIDText.format(UnsafeRawBufferPointer(uuid))
        }
    }

    private static func parse(_ uuid: String) -> [UInt8]? {
        let digits = uuid.utf8.filter { $0 != UInt8(ascii: "-") }
        guard uuid.utf8.count == 36, digits.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in digits {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            default: return nil
            }
            if let h = high { bytes.append(h << 4 | value); high = nil } else { high = value }
        }
        return bytes
    }
}
