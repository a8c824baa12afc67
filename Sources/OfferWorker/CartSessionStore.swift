import OfferEngine

/// The per-cart state the worker keeps: each cart's latest contents and live presentations,
/// grouped by the input partition the cart belongs to.
///
/// Both input topics are keyed by cartId and partitioned alike, so a cart's events all
/// arrive on one partition number and its state moves with that partition.
public struct CartSessionStore: Sendable {
    private var partitions: [Int32: [String: CartSession]] = [:]

    public init() {}

    /// Reads and updates one cart's session; `body` may set it to `nil` to forget the cart.
    public mutating func withSession<R>(
        cartId: String, partition: Int32, _ body: (inout CartSession?) throws -> R
    ) rethrows -> R {
        try body(&partitions[partition, default: [:]][cartId])
    }

    /// Forgets the state of partitions this worker no longer owns.
    public mutating func removePartitions(_ removed: some Sequence<Int32>) {
        for partition in removed { partitions.removeValue(forKey: partition) }
    }

    /// Number of carts held, for metrics.
    public var cartCount: Int { partitions.values.reduce(0) { $0 + $1.count } }
}
