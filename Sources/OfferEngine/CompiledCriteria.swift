/// An offer's display criteria flattened for evaluation, built once with the catalog.
///
/// Evaluating the `DisplayCriteria` enum copies each node's payload out of its indirect box
/// (retaining every selector list of a `cartContains`) on every visit; here the tree is an
/// array of nodes whose payloads are plain values or positions, so walking it retains
/// nothing. The answers are ``DisplayCriteria/holds(in:triggers:)``'s.
///
/// A `cartContains` compares codes of the catalog's ``CatalogVocabulary`` (integers, no
/// string compared per offer and line) when the facts carry codes of that vocabulary, and
/// strings otherwise.
///
/// A class of constants: the engine reads an offer's criteria without copying (and
/// retaining) its arrays.
final class CompiledCriteria: Sendable {
    private enum Node: Sendable {
        /// Positions in `children`.
        case all(Range<Int>)
        case any(Range<Int>)
        /// A node index.
        case not(Int)
        /// An index in `contains`.
        case cartContains(Int)
        /// An index in `amounts` (a range kept out of the node, so nodes stay small to copy).
        case subtotal(Int)
        /// Indices in `counts`.
        case itemCount(Int)
        case lineCount(Int)
        /// An index in `others`: the conditions no hot path uses, evaluated as they are.
        case other(Int)
    }

    /// The root is node 0.
    private let nodes: [Node]
    private let children: [Int]
    private let contains: [CartContains]
    /// `contains` as codes, by the same index.
    private let codedContains: [CodedContains]
    /// The codes every `codedContains` selector lists, back to back.
    private let selectorCodes: [Int32]
    private let others: [DisplayCriteria]
    private let amounts: [AmountRange]
    private let counts: [CountRange]
    /// The vocabulary `codedContains` is in.
    let vocabulary: CatalogVocabulary

    /// Compiles `criteria` with a vocabulary of its own.
    convenience init(_ criteria: DisplayCriteria) {
        self.init(criteria, vocabulary: CatalogVocabulary(criteria: [criteria]))
    }

    /// Compiles `criteria` against the catalog's `vocabulary`, which must hold every value
    /// its `cartContains` conditions name.
    init(_ criteria: DisplayCriteria, vocabulary: CatalogVocabulary) {
        var tree = Tree(vocabulary: vocabulary)
        _ = tree.add(criteria)
        nodes = tree.nodes
        children = tree.children
        contains = tree.contains
        codedContains = tree.codedContains
        selectorCodes = tree.selectorCodes
        others = tree.others
        amounts = tree.amounts
        counts = tree.counts
        self.vocabulary = vocabulary
    }

    /// A `cartContains` whose selectors are ranges of `selectorCodes` (`nil`: not given).
    private struct CodedContains: Sendable {
        var products: Range<Int>?
        var variants: Range<Int>?
        var collections: Range<Int>?
        var tags: Range<Int>?
        var productTypes: Range<Int>?
        var vendors: Range<Int>?
        var minQuantity: Int
        var maxQuantity: Int?
        var matchAll: Bool
    }

    /// The arrays as compilation fills them.
    private struct Tree {
        let vocabulary: CatalogVocabulary
        var nodes: [Node] = []
        var children: [Int] = []
        var contains: [CartContains] = []
        var codedContains: [CodedContains] = []
        var selectorCodes: [Int32] = []
        var others: [DisplayCriteria] = []
        var amounts: [AmountRange] = []
        var counts: [CountRange] = []

        mutating func code(_ field: IndexKey.Field, _ values: [String]?) -> Range<Int>? {
            guard let values else { return nil }
            let start = selectorCodes.count
            for value in values {
                guard let code = vocabulary.code(field, value) else { preconditionFailure("a selector value outside the vocabulary") }
                selectorCodes.append(code)
            }
            return start..<selectorCodes.count
        }

        /// The children of an `all`, those that read one figure of the cart (subtotal, item
        /// and line counts) before those that walk its lines, keeping the order otherwise.
        /// An `all` stops at its first failing child, and its answer and trigger lines do not
        /// depend on the order: a candidate offer whose subtotal bound fails is not matched
        /// line by line first.
        func cheapFirst(_ kids: [Int]) -> [Int] {
            func isFigure(_ node: Int) -> Bool {
                switch nodes[node] {
                case .subtotal, .itemCount, .lineCount: true
                case .not(let child): isFigure(child)
                case .all, .any, .cartContains, .other: false
                }
            }
            return kids.filter(isFigure) + kids.filter { !isFigure($0) }
        }

        mutating func add(_ criteria: DisplayCriteria) -> Int {
            let index = nodes.count
            nodes.append(.other(-1))
            switch criteria {
            case .all(let conditions), .any(let conditions):
                var kids = conditions.map { add($0) }
                if case .all = criteria { kids = cheapFirst(kids) }
                let range = children.count..<children.count + kids.count
                children += kids
                if case .all = criteria { nodes[index] = .all(range) } else { nodes[index] = .any(range) }
            case .not(let condition):
                nodes[index] = .not(add(condition))
            case .cartContains(let condition):
                nodes[index] = .cartContains(contains.count)
                contains.append(condition)
                codedContains.append(CodedContains(
                    products: code(.product, condition.productIds), variants: code(.variant, condition.variantIds),
                    collections: code(.collection, condition.collectionIds), tags: code(.tag, condition.tags),
                    productTypes: code(.productType, condition.productTypes), vendors: code(.vendor, condition.vendors),
                    minQuantity: condition.minQuantity ?? 1, maxQuantity: condition.maxQuantity, matchAll: condition.match == .all))
            case .subtotal(let range):
                nodes[index] = .subtotal(amounts.count)
                amounts.append(range)
            case .itemCount(let range):
                nodes[index] = .itemCount(counts.count)
                counts.append(range)
            case .lineCount(let range):
                nodes[index] = .lineCount(counts.count)
                counts.append(range)
            case .currency, .customer, .attribute, .schedule, .excludes:
                nodes[index] = .other(others.count)
                others.append(criteria)
            }
            return index
        }
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
            let matched: LineSet?
            if facts.codes.vocabulary === vocabulary {
                matched = matchedLineSet(codedContains[position], in: facts)
            } else {
                matched = contains[position].matchedLineSet(in: facts.lines)
            }
            guard let matched else { return false }
            triggers.formUnion(matched)
            return true
        case .subtotal(let position):
            return amounts[position].contains(facts.effectiveSubtotal)
        case .itemCount(let position):
            return counts[position].contains(facts.itemCount)
        case .lineCount(let position):
            return counts[position].contains(facts.lines.count)
        case .other(let position):
            return others[position].holds(in: facts, triggers: &triggers)
        }
    }

    /// ``CartContains/matchedLineSet(in:)`` on codes: the same lines, the same answer.
    private func matchedLineSet(_ condition: CodedContains, in facts: CartFacts) -> LineSet? {
        let codes = facts.codes
        var matched = LineSet()
        var quantity = 0
        var any = false
        for index in 0..<codes.lineCount where matches(condition, line: index, codes) {
            matched.insert(index)
            quantity = CartFacts.saturatingSum(quantity, facts.lines[index].quantity)
            any = true
        }
        guard any else { return nil }
        if condition.matchAll {
            if let products = condition.products {
                for position in products {
                    let wanted = selectorCodes[position]
                    guard Self.some(of: matched, { codes.product($0) == wanted }) else { return nil }
                }
            }
            if let variants = condition.variants {
                for position in variants {
                    let wanted = selectorCodes[position]
                    guard Self.some(of: matched, { codes.variant($0) == wanted }) else { return nil }
                }
            }
        }
        guard quantity >= condition.minQuantity, condition.maxQuantity.map({ quantity <= $0 }) ?? true else { return nil }
        return matched
    }

    /// Whether line `line` satisfies every selector of `condition`.
    @inline(__always)
    private func matches(_ condition: CodedContains, line: Int, _ codes: CartLineCodes) -> Bool {
        if let products = condition.products, !lists(products, codes.product(line)) { return false }
        if let variants = condition.variants, !lists(variants, codes.variant(line)) { return false }
        if let collections = condition.collections, !lists(collections, any: codes.collections(line), codes) { return false }
        if let tags = condition.tags, !lists(tags, any: codes.tags(line), codes) { return false }
        if let productTypes = condition.productTypes, !lists(productTypes, codes.productType(line)) { return false }
        if let vendors = condition.vendors, !lists(vendors, codes.vendor(line)) { return false }
        return true
    }

    /// Whether the selector at `selector` lists `code` (`-1`, no value or one no selector
    /// names, is listed by none).
    @inline(__always)
    private func lists(_ selector: Range<Int>, _ code: Int32) -> Bool {
        guard code >= 0 else { return false }
        for position in selector where selectorCodes[position] == code { return true }
        return false
    }

    /// Whether the selector at `selector` lists one of the codes at `values`.
    @inline(__always)
    private func lists(_ selector: Range<Int>, any values: Range<Int>, _ codes: CartLineCodes) -> Bool {
        for value in values where lists(selector, codes.code(at: value)) { return true }
        return false
    }

    /// Whether some line in `set` satisfies `predicate`.
    @inline(__always)
    private static func some(of set: LineSet, _ predicate: (Int) -> Bool) -> Bool {
        var found = false
        set.forEach { if !found, predicate($0) { found = true } }
        return found
    }
}
