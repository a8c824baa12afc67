/// An offer's display criteria flattened for evaluation, built once with the catalog.
///
/// Evaluating the `DisplayCriteria` enum copies each node's payload out of its indirect box
/// (retaining every selector list of a `cartContains`) on every visit; here the tree is an
/// array of nodes whose payloads are plain values or positions, so walking it retains
/// nothing. The answers are ``DisplayCriteria/holds(in:triggers:)``'s.
struct CompiledCriteria: Sendable {
    private enum Node: Sendable {
        /// Positions in `children`.
        case all(Range<Int>)
        case any(Range<Int>)
        /// A node index.
        case not(Int)
        /// An index in `contains`.
        case cartContains(Int)
        case subtotal(AmountRange)
        case itemCount(CountRange)
        case lineCount(CountRange)
        /// An index in `others`: the conditions no hot path uses, evaluated as they are.
        case other(Int)
    }

    /// The root is node 0.
    private var nodes: [Node] = []
    private var children: [Int] = []
    private var contains: [CartContains] = []
    private var others: [DisplayCriteria] = []

    init(_ criteria: DisplayCriteria) {
        _ = add(criteria)
    }

    private mutating func add(_ criteria: DisplayCriteria) -> Int {
        let index = nodes.count
        nodes.append(.other(-1))
        switch criteria {
        case .all(let conditions), .any(let conditions):
            let kids = conditions.map { add($0) }
            let range = children.count..<children.count + kids.count
            children += kids
            if case .all = criteria { nodes[index] = .all(range) } else { nodes[index] = .any(range) }
        case .not(let condition):
            nodes[index] = .not(add(condition))
        case .cartContains(let condition):
            nodes[index] = .cartContains(contains.count)
            contains.append(condition)
        case .subtotal(let range):
            nodes[index] = .subtotal(range)
        case .itemCount(let range):
            nodes[index] = .itemCount(range)
        case .lineCount(let range):
            nodes[index] = .lineCount(range)
        case .currency, .customer, .attribute, .schedule, .excludes:
            nodes[index] = .other(others.count)
            others.append(criteria)
        }
        return index
    }

    /// Whether the criteria hold for the cart of `facts`; see
    /// ``DisplayCriteria/holds(in:triggers:)`` for what `triggers` gains.
    func holds(in facts: CartFacts, triggers: inout LineSet) -> Bool {
        holds(node: 0, in: facts, triggers: &triggers)
    }

    private func holds(node index: Int, in facts: CartFacts, triggers: inout LineSet) -> Bool {
        switch nodes[index] {
        case .all(let range):
            for position in range {
                guard holds(node: children[position], in: facts, triggers: &triggers) else { return false }
            }
            return true
        case .any(let range):
            var satisfied = false
            for position in range {
                var branch = LineSet()
                guard holds(node: children[position], in: facts, triggers: &branch) else { continue }
                satisfied = true
                triggers.formUnion(branch)
            }
            return satisfied
        case .not(let child):
            var ignored = LineSet()
            return !holds(node: child, in: facts, triggers: &ignored)
        case .cartContains(let position):
            guard let matched = contains[position].matchedLineSet(in: facts.lines) else { return false }
            triggers.formUnion(matched)
            return true
        case .subtotal(let range):
            return range.contains(facts.effectiveSubtotal)
        case .itemCount(let range):
            return range.contains(facts.itemCount)
        case .lineCount(let range):
            return range.contains(facts.lines.count)
        case .other(let position):
            return others[position].holds(in: facts, triggers: &triggers)
        }
    }
}
