import OfferEngine

/// The JSON codec of the benchmark's standalone decode → evaluate → encode path and of its
/// generator: today OfferEngine's `EventCodec`. Switching to the fast codec is the one line
/// marked below (the calls keep their shape: decode a validated event from bytes, encode an
/// event to bytes).
enum HotCodec {
    private static let codec = EventCodec()  // ← the one line to switch to the fast codec

    /// Decodes and validates an input event as the worker does (size limit, JSON, rules).
    static func decode<Event: ValidatedEvent>(_ type: Event.Type, from bytes: [UInt8]) throws(EventDecodingError) -> Event {
        try codec.decodeValidated(type, from: bytes)
    }

    /// An event's wire bytes.
    static func encode<Event: Encodable>(_ event: Event) -> [UInt8] {
        codec.encode(event)
    }
}
