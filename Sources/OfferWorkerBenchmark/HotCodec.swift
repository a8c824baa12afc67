import OfferEngine

/// The JSON codec of the benchmark's generator (the measured paths use the worker's own).
enum HotCodec {
    private static let codec = EventCodec()

    /// An event's wire bytes.
    static func encode<Event: Encodable>(_ event: Event) -> [UInt8] {
        codec.encode(event)
    }
}
