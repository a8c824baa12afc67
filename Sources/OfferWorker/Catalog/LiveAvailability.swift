import OfferEngine
import Synchronization

/// The product availability in force, kept from the availability topic and read by the
/// processing loop at each batch (cheaply: it copies only when the generation changed).
public final class LiveAvailability: Sendable {
    private let state = Mutex<(availability: ProductAvailability, generation: Int)>((.unrestricted, 0))

    public init() {}

    /// The availability in force and a number that changes whenever it does.
    public var current: (availability: ProductAvailability, generation: Int) {
        state.withLock { $0 }
    }

    /// Records one variant's stock; `nil` forgets it (available again).
    func set(_ variantId: String, _ entry: ProductAvailability.Entry?) {
        state.withLock { state in
            state.availability.set(variantId, entry)
            state.generation += 1
        }
    }
}
