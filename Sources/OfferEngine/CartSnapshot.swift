/// What a session keeps of the cart's latest event: only what later decisions read.
///
/// The version is what a later cart event must exceed; each line's id and quantity are
/// what an accepted upsell removes and, for a `matchTrigger` item, counts. The rest of the
/// event (prices, customer, attributes, ...) is only needed while the event is evaluated,
/// so it is not kept: keeping it made every stored cart several kilobytes.
public struct CartSnapshot: Sendable, Hashable {
    /// One cart line as a session needs it.
    public struct Line: Sendable, Hashable {
        public var lineId: String
        public var quantity: Int

        public init(lineId: String, quantity: Int) {
            self.lineId = lineId
            self.quantity = quantity
        }
    }

    /// The cart event's version.
    public var version: Int64
    /// The lines, in cart order.
    public var lines: [Line]

    public init(version: Int64, lines: [Line]) {
        self.version = version
        self.lines = lines
    }

    /// The parts of `cart` a session keeps.
    public init(_ cart: CartUpdated) {
        self.init(version: cart.version, lines: cart.lines.map { Line(lineId: $0.lineId, quantity: $0.quantity) })
    }

    /// The line with `lineId`, if the cart still has it.
    public func line(_ lineId: String) -> Line? {
        lines.first { $0.lineId == lineId }
    }
}
