import OfferEngine

/// The worker's hot-path JSON codec: reads input events straight from the record bytes and
/// appends output events to a reused buffer, without Foundation.
///
/// It is a drop-in for `EventCodec` on the hot path, where Foundation's `JSONDecoder` and
/// `JSONEncoder` took 30% of the worker's CPU: it accepts and refuses exactly the events
/// `EventCodec.decodeValidated` does, with the same values and the same reasons, and
/// writes byte for byte what `EventCodec.encode` writes (sorted keys, `/` not escaped).
/// `EventCodec` stays the reference; the EventWire tests compare the two on a million
/// generated and mutated events. One difference is deliberate: a document whose last byte
/// is the `[` opening a 513th level crashes Foundation's scanner (a precondition in its
/// error reporting); WireCodec refuses it as "not valid JSON".
///
/// Decoding checks, in `EventCodec`'s order: the size limit, UTF-8 ("not valid UTF-8"),
/// the JSON and its fields ("not valid JSON", "lines[0].quantity: expected an integer"),
/// then the event's `problems(limits:)`. Foundation's leniencies are kept so nothing that
/// decodes today is refused: a UTF-8 byte order mark, trailing commas, unknown fields
/// (scanned, not read), the first of repeated keys, integers written `1.0` or `1e2`.
///
/// On the happy path nothing is allocated beyond the decoded event itself (its arrays,
/// dictionary and strings longer than 15 bytes); encoding into a buffer with room
/// allocates nothing, except an array of sorted keys for `attributes` and `prices`.
public struct WireCodec: Sendable {
    public var limits: EventLimits
    /// Where repeated arrays and dictionaries of earlier documents are kept (see
    /// ``WireInterner``); `nil` reads every value afresh. Either way the results are the same.
    public var interner: WireInterner?

    public init(limits: EventLimits = EventLimits(), interner: WireInterner? = nil) {
        self.limits = limits
        self.interner = interner
    }

    // MARK: Decoding

    /// A `cart.updated` event, validated like `EventCodec.decodeValidated(CartUpdated.self, from:)`.
    // The events are passed back by typed throws, not in a `Result`: a `Result` of an event
    // is copied, field by field, at each step of a chain of `map`s.

    public func decodeCartUpdated(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> CartUpdated {
        try decoding(bytes) { (raw) throws(WireFailure) in try readCartUpdated(raw) }
    }

    public func decodeCartUpdated(_ bytes: [UInt8]) throws(EventDecodingError) -> CartUpdated {
        try decoding(bytes) { (raw) throws(WireFailure) in try readCartUpdated(raw) }
    }

    /// An `offer.accepted` event, validated like `EventCodec.decodeValidated(OfferAccepted.self, from:)`.
    public func decodeOfferAccepted(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> OfferAccepted {
        try decoding(bytes) { (raw) throws(WireFailure) in try readOfferAccepted(raw) }
    }

    public func decodeOfferAccepted(_ bytes: [UInt8]) throws(EventDecodingError) -> OfferAccepted {
        try decoding(bytes) { (raw) throws(WireFailure) in try readOfferAccepted(raw) }
    }

    /// An `offer.declined` event, validated like `EventCodec.decodeValidated(OfferDeclined.self, from:)`.
    public func decodeOfferDeclined(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> OfferDeclined {
        try decoding(bytes) { (raw) throws(WireFailure) in try readOfferDeclined(raw) }
    }

    public func decodeOfferDeclined(_ bytes: [UInt8]) throws(EventDecodingError) -> OfferDeclined {
        try decoding(bytes) { (raw) throws(WireFailure) in try readOfferDeclined(raw) }
    }

    /// `read` on `bytes`, its failure turned into the event's reason.
    @inline(__always)
    private func decoding<Event>(
        _ bytes: UnsafeRawBufferPointer, _ read: (UnsafeRawBufferPointer) throws(WireFailure) -> Event
    ) throws(EventDecodingError) -> Event {
        do throws(WireFailure) {
            return try read(bytes)
        } catch {
            throw error.decodingError
        }
    }

    /// `read` on an array's bytes in place. `withUnsafeBytes` rethrows untyped errors, so the
    /// failure comes out on the side.
    @inline(__always)
    private func decoding<Event>(
        _ bytes: [UInt8], _ read: (UnsafeRawBufferPointer) throws(WireFailure) -> Event
    ) throws(EventDecodingError) -> Event {
        var failure: WireFailure?
        let event = bytes.withUnsafeBytes { raw -> Event? in
            do throws(WireFailure) {
                return try read(raw)
            } catch {
                failure = error
                return nil
            }
        }
        guard let event else { throw failure.unsafelyUnwrapped.decodingError }
        return event
    }

    /// The decoded event or the failure itself (with its ``WireFailure/alternatives``), for tests.
    func cartUpdated(_ bytes: UnsafeRawBufferPointer) -> Result<CartUpdated, WireFailure> {
        Result { () throws(WireFailure) in try readCartUpdated(bytes) }
    }

    func offerAccepted(_ bytes: UnsafeRawBufferPointer) -> Result<OfferAccepted, WireFailure> {
        Result { () throws(WireFailure) in try readOfferAccepted(bytes) }
    }

    func offerDeclined(_ bytes: UnsafeRawBufferPointer) -> Result<OfferDeclined, WireFailure> {
        Result { () throws(WireFailure) in try readOfferDeclined(bytes) }
    }

    func readCartUpdated(_ bytes: UnsafeRawBufferPointer) throws(WireFailure) -> CartUpdated {
        let cart = try decode(bytes) { (reader: inout WireReader) throws(WireFailure) in try reader.readCartUpdated() }
        if !WireValidation.isUsable(cart, limits: limits) { try refuse(cart.problems(limits: limits)) }
        return cart
    }

    func readOfferAccepted(_ bytes: UnsafeRawBufferPointer) throws(WireFailure) -> OfferAccepted {
        let fields = try decode(bytes) { (reader: inout WireReader) throws(WireFailure) in try reader.readResponse() }
        let acceptance = OfferAccepted(
            eventId: fields.eventId, cartId: fields.cartId, presentationId: fields.presentationId, occurredAt: fields.occurredAt,
            schemaVersion: fields.schemaVersion)
        if !WireValidation.isUsable(acceptance) { try refuse(acceptance.problems(limits: limits)) }
        return acceptance
    }

    func readOfferDeclined(_ bytes: UnsafeRawBufferPointer) throws(WireFailure) -> OfferDeclined {
        let fields = try decode(bytes) { (reader: inout WireReader) throws(WireFailure) in try reader.readResponse() }
        let decline = OfferDeclined(
            eventId: fields.eventId, cartId: fields.cartId, presentationId: fields.presentationId, occurredAt: fields.occurredAt,
            schemaVersion: fields.schemaVersion)
        if !WireValidation.isUsable(decline) { try refuse(decline.problems(limits: limits)) }
        return decline
    }

    /// Size, then UTF-8, then Foundation's encoding sniffing, then the document.
    @inline(__always)
    private func decode<Event>(
        _ raw: UnsafeRawBufferPointer, _ read: (inout WireReader) throws(WireFailure) -> Event?
    ) throws(WireFailure) -> Event {
        guard raw.count <= limits.maxBytes else {
            throw WireFailure(kind: .refused("event of \(raw.count) bytes is over the limit of \(limits.maxBytes)"))
        }
        let bytes = raw.assumingMemoryBound(to: UInt8.self)
        guard WireInput.isValidUTF8(bytes) else { throw WireFailure(kind: .refused("not valid UTF-8")) }
        switch WireInput.representation(of: bytes) {
        case .utf8(let bomLength):
            let document = UnsafeBufferPointer(rebasing: bytes[bomLength...])
            guard let interner else { return try WireReader.document(document, read) }
            return try interner.withTable { (table) throws(WireFailure) in try WireReader.document(document, interning: table, read) }
        case let other:
            // Rare: a document Foundation reads as UTF-16 or UTF-32.
            guard let utf8 = WireInput.transcode(bytes, from: other) else { throw .syntax }
            return try utf8.withUnsafeBufferPointer { (utf8) throws(WireFailure) in try WireReader.document(utf8, read) }
        }
    }

    /// Refuses the event if its rules found problems.
    private func refuse(_ problems: [String]) throws(WireFailure) {
        if !problems.isEmpty { throw WireFailure(kind: .refused(problems.joined(separator: "; "))) }
    }

    // MARK: Encoding
    //
    // Each event is written into a ``WireOutput`` (a stack buffer) and copied once into the
    // caller's array: appends to an array check its uniqueness and capacity each time.

    /// Appends the `offer.presented` event's JSON to `buffer`, byte for byte `EventCodec.encode`.
    public func encode(_ event: OfferPresented, into buffer: inout [UInt8]) {
        WireOutput.append(to: &buffer) { WireWriter.offerPresented(event, into: &$0) }
    }

    /// The `offer.presented` event's JSON in an array of exactly its size (for a record value
    /// that is kept until the broker has it).
    public func encoded(_ event: OfferPresented) -> [UInt8] {
        WireOutput.bytes { WireWriter.offerPresented(event, into: &$0) }
    }

    /// Appends the `cart.mutation` event's JSON to `buffer`, byte for byte `EventCodec.encode`.
    public func encode(_ event: CartMutation, into buffer: inout [UInt8]) {
        WireOutput.append(to: &buffer) { WireWriter.cartMutation(event, into: &$0) }
    }

    /// The `cart.mutation` event's JSON in an array of exactly its size.
    public func encoded(_ event: CartMutation) -> [UInt8] {
        WireOutput.bytes { WireWriter.cartMutation(event, into: &$0) }
    }

    /// Appends the `offer.rejected` event's JSON to `buffer`, byte for byte `EventCodec.encode`.
    public func encode(_ event: OfferRejected, into buffer: inout [UInt8]) {
        WireOutput.append(to: &buffer) { WireWriter.offerRejected(event, into: &$0) }
    }

    /// The `offer.rejected` event's JSON in an array of exactly its size.
    public func encoded(_ event: OfferRejected) -> [UInt8] {
        WireOutput.bytes { WireWriter.offerRejected(event, into: &$0) }
    }

    /// Appends a `cart.updated` event's JSON to `buffer` (for tests and benchmarks).
    public func encode(_ event: CartUpdated, into buffer: inout [UInt8]) {
        WireOutput.append(to: &buffer) { WireWriter.cartUpdated(event, into: &$0) }
    }

    /// Appends an `offer.accepted` event's JSON to `buffer` (for tests and benchmarks).
    public func encode(_ event: OfferAccepted, into buffer: inout [UInt8]) {
        WireOutput.append(to: &buffer) {
            WireWriter.response(
                eventId: event.eventId, cartId: event.cartId, presentationId: event.presentationId, occurredAt: event.occurredAt,
                schemaVersion: event.schemaVersion, into: &$0)
        }
    }

    /// Appends an `offer.declined` event's JSON to `buffer` (for tests and benchmarks).
    public func encode(_ event: OfferDeclined, into buffer: inout [UInt8]) {
        WireOutput.append(to: &buffer) {
            WireWriter.response(
                eventId: event.eventId, cartId: event.cartId, presentationId: event.presentationId, occurredAt: event.occurredAt,
                schemaVersion: event.schemaVersion, into: &$0)
        }
    }

    /// ``EventTime/description``'s UTF-8 (the `ce_time` header of output records), without
    /// making the `String`.
    public static func timeText(_ time: EventTime) -> [UInt8] {
        WireOutput.bytes { WireWriter.timeText(time, into: &$0) }
    }
}
