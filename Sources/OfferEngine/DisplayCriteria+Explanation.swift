/// Why display criteria do not hold: the first failing condition, with its path.
///
/// Whether each condition holds is decided by ``DisplayCriteria/evaluate(_:)`` itself (the
/// worker's evaluation); this only walks the tree to find which condition failed and words
/// what the cart has against what the condition asks.
extension DisplayCriteria {
    /// The first condition (depth first, in order) that keeps the criteria from holding for
    /// `cart`, under `path`; `nil` when they hold.
    public func failure(in cart: CartUpdated, at path: String = "displayCriteria") -> CriteriaFailure? {
        switch self {
        case .all(let conditions):
            for (index, condition) in conditions.enumerated() {
                if let failure = condition.failure(in: cart, at: "\(path).all[\(index)]") { return failure }
            }
            return nil
        case .any(let conditions):
            guard !evaluate(cart).isSatisfied else { return nil }
            let first = conditions.first.flatMap { $0.failure(in: cart, at: "\(path).any[0]") }
            return CriteriaFailure(path: "\(path).any", reason: "none of \(conditions.count) conditions holds"
                + (first.map { " (first: \($0))" } ?? ""))
        case .not:
            guard !evaluate(cart).isSatisfied else { return nil }
            return CriteriaFailure(path: "\(path).not", reason: "the negated condition holds")
        default:
            guard !evaluate(cart).isSatisfied else { return nil }
            return leafFailure(in: cart, at: path)
        }
    }

    /// ``failure(in:at:)``, never `nil` for criteria that do not hold.
    func firstFailure(in cart: CartUpdated) -> CriteriaFailure {
        failure(in: cart) ?? CriteriaFailure(path: "displayCriteria", reason: "does not hold")
    }

    /// Words a failing leaf condition.
    private func leafFailure(in cart: CartUpdated, at path: String) -> CriteriaFailure {
        func range<T: Comparable>(_ name: String, _ value: T, gte: T?, lt: T?) -> CriteriaFailure {
            if let gte, value < gte { return CriteriaFailure(path: "\(path).\(name).gte", reason: "\(value) < \(gte)") }
            if let lt, value >= lt { return CriteriaFailure(path: "\(path).\(name).lt", reason: "\(value) >= \(lt)") }
            return CriteriaFailure(path: "\(path).\(name)", reason: "\(value) is out of range")
        }
        switch self {
        case .subtotal(let bounds):
            return range("subtotal", cart.effectiveSubtotal, gte: bounds.gte, lt: bounds.lt)
        case .itemCount(let bounds):
            return range("itemCount", cart.lines.totalQuantity, gte: bounds.gte, lt: bounds.lt)
        case .lineCount(let bounds):
            return range("lineCount", cart.lines.count, gte: bounds.gte, lt: bounds.lt)
        case .cartContains(let contains):
            return contains.failure(in: cart.lines, at: "\(path).cartContains")
        case .currency(let currencies):
            return CriteriaFailure(path: "\(path).currency.in", reason: "'\(cart.currency)' is not one of \(currencies.values)")
        case .customer(let condition):
            return condition.failure(for: cart.customer, at: "\(path).customer")
        case .attribute(let condition):
            let value = cart.attributes?[condition.key]
            return CriteriaFailure(path: "\(path).attribute", reason: "'\(condition.key)' is \(value.map { "'\($0)'" } ?? "absent")")
        case .schedule(let schedule):
            let local = schedule.localTime(of: cart.occurredAt).map { "\($0.weekday.rawValue) \(TimeOfDay(hour: $0.minute / 60, minute: $0.minute % 60)!)" }
            return CriteriaFailure(path: "\(path).schedule", reason: "\(cart.occurredAt) is \(local ?? "?") in \(schedule.timeZone), outside the window")
        case .excludes(let exclusion):
            let line = cart.lines.first(where: exclusion.matches)
            return CriteriaFailure(path: "\(path).excludes", reason: "line '\(line?.lineId ?? "?")' (\(line?.productId ?? "?")) is excluded")
        case .all, .any, .not:
            return CriteriaFailure(path: path, reason: "does not hold")
        }
    }
}

extension CartContains {
    /// Why the condition does not hold for `lines`: no line matches, a listed product is
    /// missing (`match: all`), or the matched quantity is out of range.
    func failure(in lines: [CartLine], at path: String) -> CriteriaFailure {
        let matched = lines.filter(matches)
        if matched.isEmpty { return CriteriaFailure(path: path, reason: "no line matches") }
        if match == .all {
            if let missing = productIds?.first(where: { id in !matched.contains { $0.productId == id } }) {
                return CriteriaFailure(path: "\(path).productIds", reason: "'\(missing)' is not in the cart (match: all)")
            }
            if let missing = variantIds?.first(where: { id in !matched.contains { $0.variantId == id } }) {
                return CriteriaFailure(path: "\(path).variantIds", reason: "'\(missing)' is not in the cart (match: all)")
            }
        }
        let quantity = matched.totalQuantity
        let minimum = minQuantity ?? 1
        if quantity < minimum { return CriteriaFailure(path: "\(path).minQuantity", reason: "\(quantity) < \(minimum)") }
        if let maximum = maxQuantity, quantity > maximum {
            return CriteriaFailure(path: "\(path).maxQuantity", reason: "\(quantity) > \(maximum)")
        }
        return CriteriaFailure(path: path, reason: "does not hold")
    }
}

extension CustomerCondition {
    /// The first field of the condition the shopper does not fit, each judged by
    /// ``matches(_:)`` on that field alone.
    func failure(for customer: Customer?, at path: String) -> CriteriaFailure {
        let fields: [(String, CustomerCondition?)] = [
            ("tags", tags.map { CustomerCondition(tags: $0) }),
            ("country", country.map { CustomerCondition(country: $0) }),
            ("ordersCount", ordersCount.map { CustomerCondition(ordersCount: $0) }),
            ("returning", returning.map { CustomerCondition(returning: $0) }),
            ("signedIn", signedIn.map { CustomerCondition(signedIn: $0) }),
        ]
        for case let (name, condition?) in fields where !condition.matches(customer) {
            let has: String = switch name {
            case "tags": "customer tags \(customer?.tags ?? [])"
            case "country": "country \(customer?.country ?? "none")"
            case "ordersCount", "returning": "\(customer?.ordersCount ?? 0) orders"
            default: customer?.id == nil ? "not signed in" : "signed in"
            }
            return CriteriaFailure(path: "\(path).\(name)", reason: "\(has) does not fit")
        }
        return CriteriaFailure(path: path, reason: "does not hold")
    }
}
