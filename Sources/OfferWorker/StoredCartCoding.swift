import Foundation
import OfferEngine

// Placeholder JSON encoding, replaced by the compact binary format.
extension StoredCart {
    private static let codec = EventCodec()

    func encoded() -> [UInt8] { Self.codec.encode(self) }

    init(decoding bytes: [UInt8]) throws {
        self = try Self.codec.decode(StoredCart.self, from: bytes)
    }
}
