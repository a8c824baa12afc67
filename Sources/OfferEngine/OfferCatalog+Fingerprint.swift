import Foundation

extension OfferCatalog {
    /// A number that is the same for the same offers on every pod and in every run (the
    /// FNV-1a hash of the offers' canonical JSON, cut to 48 bits so a metric's float holds it
    /// exactly): operators compare it across pods to see that a catalog change reached all.
    public var fingerprint: UInt64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var hash = FNV1a()
        for offer in offers {
            for byte in (try? encoder.encode(offer)) ?? Data(offer.offerId.utf8) { hash.add(byte) }
        }
        return hash.value & 0xFFFF_FFFF_FFFF
    }
}
