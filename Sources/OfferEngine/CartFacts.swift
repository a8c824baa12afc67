/// What criteria read of one cart event, worked out once per event instead of once per
/// condition: the subtotal criteria compare against, the item count, which variants the cart
/// holds, and whether its line ids are unique. Evaluating a condition against facts
/// allocates nothing; matched lines are a ``LineSet`` of indices into ``lines``.
///
/// A class, so the lazily computed facts are computed once however many offers read them.
final class CartFacts {
    let cart: CartUpdated
    /// The cart's lines, in cart order; ``LineSet`` indices refer to them.
    let lines: [CartLine]
    /// The lines' values as codes of the catalog's vocabulary (none without one): compiled
    /// criteria and the index compare these.
    let codes: CartLineCodes

    /// The facts of `cart`, its lines coded in `vocabulary` when given (once per event,
    /// however many offers read them).
    init(_ cart: CartUpdated, vocabulary: CatalogVocabulary? = nil) {
        self.cart = cart
        self.lines = cart.lines
        self.codes = vocabulary.map { $0.codes(of: cart.lines) } ?? CartLineCodes()
    }

    /// ``EventID/cartTag(_:)`` of the cart, hashed on first use: every presentation the
    /// event makes carries it.
    private(set) lazy var cartTag: UInt32 = EventID.cartTag(cart.cartId)

    /// `CartUpdated.effectiveSubtotal`, computed on first use (the sum of the lines when the
    /// event gives no subtotal).
    private(set) lazy var effectiveSubtotal: DecimalAmount = cart.effectiveSubtotal

    /// The sum of the lines' quantities, saturating.
    private(set) lazy var itemCount: Int = lines.totalQuantity

    /// Whether no two lines share an id (canonical equivalence, as `Set<String>` compares).
    /// Validated events always have unique ids; the engine still answers for others as if
    /// trigger lines were picked by id.
    private(set) lazy var lineIdsAreUnique: Bool = CartLine.idsAreUnique(lines)

    /// The variants of a large cart, hashed once; small carts are scanned.
    private lazy var variantIds: Set<String> = Set(lines.lazy.map(\.variantId))

    /// Whether some line of the cart is of variant `variantId`.
    func containsVariant(_ variantId: String) -> Bool {
        if lines.count <= 16 { return lines.contains { $0.variantId == variantId } }
        return variantIds.contains(variantId)
    }

    /// The trigger lines of a match as the engine reports them: `set`, plus, should line ids
    /// repeat, every line sharing an id with one in it (as picking lines by id would).
    func triggerLines(_ set: LineSet) -> LineSet {
        guard !lineIdsAreUnique, !set.isEmpty else { return set }
        var closed = set
        for (index, line) in lines.enumerated() where !set.contains(index) {
            var shared = false
            set.forEach { if lines[$0].lineId == line.lineId { shared = true } }
            if shared { closed.insert(index) }
        }
        return closed
    }

    /// The sum of the quantities of the lines in `set`, saturating like ``itemCount``.
    func totalQuantity(of set: LineSet) -> Int {
        var total = 0
        set.forEach { total = Self.saturatingSum(total, lines[$0].quantity) }
        return total
    }

    /// The ids of the lines in `set`, in cart order.
    func lineIds(of set: LineSet) -> [String] {
        var ids: [String] = []
        set.forEach { ids.append(lines[$0].lineId) }
        return ids
    }

    /// ``Presentation/triggerSignature(of:)`` of the lines in `set`, in cart order, without
    /// collecting them.
    func triggerSignature(of set: LineSet) -> UInt64 {
        var signature = Presentation.TriggerSignature()
        set.forEach { signature.add(lines[$0]) }
        return signature.value
    }

    /// `total + quantity`, saturating as `Array<CartLine>.totalQuantity` does.
    static func saturatingSum(_ total: Int, _ quantity: Int) -> Int {
        let (sum, overflow) = total.addingReportingOverflow(quantity)
        return overflow ? (quantity > 0 ? Int.max : Int.min) : sum
    }
}
