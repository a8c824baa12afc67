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
        format(digest(parts))
    }

    /// A stable bucket in `0..<count` from the SHA-256 of `parts` (length-prefixed as in
    /// ``derive(_:)``): the same parts give the same bucket on every run and machine.
    public static func bucket(_ parts: String..., count: Int) -> Int {
        precondition(count > 0, "count must be positive")
        let bytes = digest(parts)
        let value = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(value % UInt64(count))
    }

    /// A presentation id: like ``derive(_:)``, but its first four bytes are a tag of the
    /// cart, so an acceptance that quotes another cart's presentation is recognised as such.
    static func presentation(cartId: String, offerId: String, cartEventId: String) -> String {
        var bytes = digest(["presentation", cartId, offerId, cartEventId])
        bytes.replaceSubrange(0..<4, with: cartTag(cartId))
        return format(bytes)
    }

    /// Whether `presentationId` has the shape of a presentation id made for a cart other
    /// than `cartId`. `false` for ids this worker could not have made.
    static func presentation(_ presentationId: String, belongsToAnotherCartThan cartId: String) -> Bool {
        guard let bytes = parse(presentationId), bytes[6] >> 4 == 8 else { return false }
        return Array(bytes[0..<4]) != cartTag(cartId)
    }

    private static func cartTag(_ cartId: String) -> [UInt8] {
        Array(digest(["cart", cartId])[0..<4])
    }

    private static func digest(_ parts: [String]) -> [UInt8] {
        var hasher = SHA256()
        for part in parts {
            let bytes = Array(part.utf8)
            var length = UInt32(bytes.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: bytes)
        }
        return Array(hasher.finalize())
    }

    private static func format(_ digest: [UInt8]) -> String {
        var bytes = Array(digest[0..<16])
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append(UInt8(ascii: "-")) }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
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
