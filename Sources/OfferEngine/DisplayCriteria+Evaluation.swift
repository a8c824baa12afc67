extension DisplayCriteria {
    /// Evaluates the rule tree against `cart`.
    public func evaluate(_ cart: CartUpdated) -> CriteriaMatch {
        let facts = CartFacts(cart)
        var triggers = LineSet()
        guard holds(in: facts, triggers: &triggers) else { return .unsatisfied }
        var ids = Set<String>()
        triggers.forEach { ids.insert(facts.lines[$0].lineId) }
        return CriteriaMatch(isSatisfied: true, triggerLineIds: ids)
    }

    /// Whether the rule tree holds for the cart of `facts`. When it does, the lines matched by
    /// its satisfied `cartContains` conditions outside any `not` are added to `triggers`;
    /// when it does not, `triggers` may have gained lines and must be dropped.
    ///
    /// Allocates nothing: conditions read the facts worked out once per event.
    func holds(in facts: CartFacts, triggers: inout LineSet) -> Bool {
        switch self {
        case .all(let conditions):
            for condition in conditions {
                guard condition.holds(in: facts, triggers: &triggers) else { return false }
            }
            return true
        case .any(let conditions):
            var satisfied = false
            for condition in conditions {
                var branch = LineSet()
                guard condition.holds(in: facts, triggers: &branch) else { continue }
                satisfied = true
                triggers.formUnion(branch)
            }
            return satisfied
        case .not(let condition):
            var ignored = LineSet()
            return !condition.holds(in: facts, triggers: &ignored)
        case .cartContains(let contains):
            guard let matched = contains.matchedLineSet(in: facts.lines) else { return false }
            triggers.formUnion(matched)
            return true
        case .subtotal(let range):
            return range.contains(facts.effectiveSubtotal)
        case .itemCount(let range):
            return range.contains(facts.itemCount)
        case .lineCount(let range):
            return range.contains(facts.lines.count)
        case .currency(let currencies):
            return currencies.values.contains(facts.cart.currency)
        case .customer(let condition):
            return condition.matches(facts.cart.customer)
        case .attribute(let condition):
            return condition.matches(facts.cart.attributes ?? [:])
        case .schedule(let schedule):
            return schedule.contains(facts.cart.occurredAt)
        case .excludes(let exclusion):
            return !facts.lines.contains(where: exclusion.matches)
        }
    }
}

extension Array where Element == CartLine {
    /// The sum of the lines' quantities, saturating instead of overflowing.
    var totalQuantity: Int {
        reduce(0) { CartFacts.saturatingSum($0, $1.quantity) }
    }
}
