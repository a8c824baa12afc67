import Testing
@testable import OfferEngine

/// Evaluation against per-event facts (line bit sets, no per-condition allocation) must
/// decide exactly what the straightforward evaluation decided, trigger lines included.
@Suite("Criteria evaluation: the same answers as the plain evaluator")
struct CriteriaEvaluationTests {
    @Test("random criteria over random carts match the plain evaluator, trigger lines included")
    func differential() async {
        var random = SplitMix64(seed: 0x5EED_F00D)
        var satisfied = 0
        for round in 0..<20_000 {
            if round % 256 == 0 { await Task.yield() }  // other suites share the cooperative threads
            let criteria = Self.criteria(depth: 3, &random)
            let cart = Self.cart(&random)
            let expected = Reference.evaluate(criteria, cart)
            let actual = criteria.evaluate(cart)
            #expect(actual == expected, "\(criteria) on \(cart.lines.map { "\($0.lineId):\($0.productId)×\($0.quantity)" })")
            // The catalog's compiled form, as the engine evaluates it.
            let facts = CartFacts(cart)
            var triggers = LineSet()
            let compiled = CompiledCriteria(criteria).holds(in: facts, triggers: &triggers)
            let compiledMatch = compiled ? CriteriaMatch(isSatisfied: true, triggerLineIds: Set(facts.lineIds(of: triggers))) : .unsatisfied
            #expect(compiledMatch == expected, "compiled: \(criteria)")
            // As the engine runs it: the lines coded in the criteria's vocabulary, compared as integers.
            let compiledCriteria = CompiledCriteria(criteria)
            let coded = CartFacts(cart, vocabulary: compiledCriteria.vocabulary)
            var codedTriggers = LineSet()
            let codedMatch = compiledCriteria.holds(in: coded, triggers: &codedTriggers)
                ? CriteriaMatch(isSatisfied: true, triggerLineIds: Set(coded.lineIds(of: codedTriggers))) : .unsatisfied
            #expect(codedMatch == expected, "coded: \(criteria)")
            if actual != expected || compiledMatch != expected || codedMatch != expected { return }
            if expected.isSatisfied { satisfied += 1 }
        }
        // Both outcomes are exercised.
        #expect(satisfied > 2_000 && satisfied < 18_000)
    }

    @Test("a trigger line past the 64th line is reported, and its change presents the offer again")
    func largeCart() throws {
        let engine = OfferEngine(catalog: try OfferCatalog(offers: [try Build.offer(Build.proUpgrade)]))
        var lines = (0..<100).map { Build.line("l\($0)", product: "filler-\($0)", price: "1.00") }
        lines[80] = Build.line("l80", product: "phone-std", price: "799.00")
        var session: CartSession?
        let first = engine.cartUpdated(Build.cart(version: 1, lines), session: &session)
        #expect(first.map(\.triggerLineIds) == [["l80"]])
        #expect(engine.cartUpdated(Build.cart(version: 2, minute: 1, lines), session: &session).isEmpty)
        lines[80].quantity = 2
        let changed = engine.cartUpdated(Build.cart(version: 3, minute: 2, lines), session: &session)
        #expect(changed.map(\.triggerLineIds) == [["l80"]])
        #expect(changed.first?.items.first?.quantity == 1)
    }

    @Test("lines sharing an id trigger together, as picking trigger lines by id does")
    func repeatedLineIds() throws {
        let engine = OfferEngine(catalog: try OfferCatalog(offers: [try Build.offer(Build.proUpgrade)]))
        let lines = [
            Build.line("l1", product: "phone-std", price: "799.00"), Build.line("l2", product: "usb-cable"),
            Build.line("l1", product: "phone-case"),
        ]
        var session: CartSession?
        #expect(engine.cartUpdated(Build.cart(lines), session: &session).map(\.triggerLineIds) == [["l1", "l1"]])
    }

    @Test("the trigger signature hashes the text `lineId US variantId US quantity`, lines separated by RS")
    func triggerSignatureText() {
        for quantity in [0, 1, 9, 10, 99, 100, 1_000_000, -1, -10, Int.max, Int.min] {
            let lines = [Build.line("l1", product: "a", quantity: quantity), Build.line("l2", product: "b", quantity: 3)]
            let text = "l1\u{1F}a-v\u{1F}\(quantity)\u{1E}l2\u{1F}b-v\u{1F}3"
            #expect(Presentation.triggerSignature(of: lines) == Presentation.triggerSignature(legacy: text))
            var set = LineSet()
            set.insert(0)
            set.insert(1)
            #expect(CartFacts(Build.cart(lines)).triggerSignature(of: set) == Presentation.triggerSignature(legacy: text))
        }
        #expect(Presentation.triggerSignature(of: [CartLine]()) == Presentation.triggerSignature(legacy: ""))
    }

    @Test("a line set holds indices past 64 and unions them")
    func lineSet() {
        var a = LineSet(), b = LineSet()
        a.insert(3)
        a.insert(200)
        b.insert(64)
        b.insert(3)
        #expect(!a.contains(64) && a.contains(200) && !a.contains(199))
        a.formUnion(b)
        var indices: [Int] = []
        a.forEach { indices.append($0) }
        #expect(indices == [3, 64, 200])
        #expect(LineSet().isEmpty && !a.isEmpty)
    }

    // MARK: Generators

    static let products = ["p0", "p1", "p2", "p3", "p4"]
    static let collections = ["c0", "c1", "c2"]
    static let tags = ["t0", "t1", "t2"]
    static let types = ["shoes", "hats"]
    static let vendors = ["acme", "globex"]

    static func pick(_ values: [String], _ random: inout SplitMix64) -> [String]? {
        guard random.next(upperBound: 3) == 0 else { return nil }
        return (0...random.next(upperBound: 2)).map { _ in values[random.next(upperBound: values.count)] }
    }

    static func amount(_ random: inout SplitMix64) -> DecimalAmount {
        DecimalAmount("\(random.next(upperBound: 400)).\(random.next(upperBound: 10))0")!
    }

    static func criteria(depth: Int, _ random: inout SplitMix64) -> DisplayCriteria {
        let kind = random.next(upperBound: depth > 0 ? 13 : 10)
        switch kind {
        case 0, 1, 2, 3:
            var contains = CartContains(
                productIds: pick(products, &random), variantIds: pick(products.map { $0 + "-v" }, &random),
                collectionIds: pick(collections, &random), tags: pick(tags, &random),
                minQuantity: random.next(upperBound: 3) == 0 ? random.next(upperBound: 5) + 1 : nil,
                productTypes: pick(types, &random), vendors: pick(vendors, &random),
                maxQuantity: random.next(upperBound: 4) == 0 ? random.next(upperBound: 8) + 1 : nil,
                match: random.next(upperBound: 3) == 0 ? .all : nil)
            if !contains.hasSelector { contains.productIds = [products[random.next(upperBound: products.count)]] }
            return .cartContains(contains)
        case 4:
            return .subtotal(AmountRange(gte: random.next(upperBound: 2) == 0 ? amount(&random) : nil,
                                         lt: random.next(upperBound: 2) == 0 ? amount(&random) : nil))
        case 5:
            return .itemCount(CountRange(gte: random.next(upperBound: 8), lt: random.next(upperBound: 2) == 0 ? random.next(upperBound: 12) + 1 : nil))
        case 6:
            return .lineCount(CountRange(gte: random.next(upperBound: 2) == 0 ? random.next(upperBound: 5) : nil, lt: random.next(upperBound: 8) + 1))
        case 7:
            return .excludes(ExcludesCondition(productIds: pick(products, &random), variantIds: pick(products.map { $0 + "-v" }, &random),
                                               tags: pick(tags, &random) ?? ["t0"]))
        case 8:
            return .currency(ValueList(random.next(upperBound: 2) == 0 ? ["EUR"] : ["USD", "GBP"]))
        case 9:
            return .attribute(AttributeCondition(key: "channel", values: ["web", "app"]))
        case 10:
            return .not(criteria(depth: depth - 1, &random))
        case 11:
            return .all((0..<random.next(upperBound: 4)).map { _ in criteria(depth: depth - 1, &random) })
        default:
            return .any((0..<random.next(upperBound: 4)).map { _ in criteria(depth: depth - 1, &random) })
        }
    }

    static func cart(_ random: inout SplitMix64) -> CartUpdated {
        let count = random.next(upperBound: 20) == 0 ? 60 + random.next(upperBound: 80) : random.next(upperBound: 9)
        let repeatIds = random.next(upperBound: 10) == 0
        let lines = (0..<count).map { index in
            let product = products[random.next(upperBound: products.count)]
            return CartLine(
                lineId: repeatIds ? "l\(random.next(upperBound: 4))" : "l\(index)", productId: product, variantId: product + "-v",
                quantity: random.next(upperBound: 3) + 1, unitPrice: amount(&random),
                collectionIds: pick(collections, &random), tags: pick(tags, &random),
                productType: random.next(upperBound: 2) == 0 ? types[random.next(upperBound: types.count)] : nil,
                vendor: random.next(upperBound: 2) == 0 ? vendors[random.next(upperBound: vendors.count)] : nil)
        }
        return CartUpdated(
            eventId: "e", cartId: "c", version: 1, occurredAt: Build.time(0), currency: random.next(upperBound: 2) == 0 ? "EUR" : "USD",
            lines: lines, subtotal: random.next(upperBound: 2) == 0 ? amount(&random) : nil,
            attributes: random.next(upperBound: 2) == 0 ? ["channel": "web"] : nil)
    }
}

/// The evaluator as first written: a `Set` of line ids per condition, matched lines
/// collected into arrays. The reference the allocation-free evaluation is checked against.
private enum Reference {
    static func evaluate(_ criteria: DisplayCriteria, _ cart: CartUpdated) -> CriteriaMatch {
        switch criteria {
        case .all(let conditions):
            var triggers = Set<String>()
            for condition in conditions {
                let match = evaluate(condition, cart)
                guard match.isSatisfied else { return CriteriaMatch(isSatisfied: false, triggerLineIds: []) }
                triggers.formUnion(match.triggerLineIds)
            }
            return CriteriaMatch(isSatisfied: true, triggerLineIds: triggers)
        case .any(let conditions):
            var result = CriteriaMatch(isSatisfied: false, triggerLineIds: [])
            for condition in conditions {
                let match = evaluate(condition, cart)
                guard match.isSatisfied else { continue }
                result.isSatisfied = true
                result.triggerLineIds.formUnion(match.triggerLineIds)
            }
            return result
        case .not(let condition):
            return CriteriaMatch(isSatisfied: !evaluate(condition, cart).isSatisfied, triggerLineIds: [])
        case .cartContains(let contains):
            guard let matched = matchedLines(contains, cart.lines) else { return CriteriaMatch(isSatisfied: false, triggerLineIds: []) }
            return CriteriaMatch(isSatisfied: true, triggerLineIds: Set(matched.map(\.lineId)))
        case .subtotal(let range):
            return holds(range.contains(cart.subtotal ?? cart.linesTotal ?? .zero))
        case .itemCount(let range):
            return holds(range.contains(cart.lines.reduce(0) { $0 + $1.quantity }))
        case .lineCount(let range):
            return holds(range.contains(cart.lines.count))
        case .currency(let currencies):
            return holds(currencies.values.contains(cart.currency))
        case .customer(let condition):
            return holds(condition.matches(cart.customer))
        case .attribute(let condition):
            return holds(condition.matches(cart.attributes ?? [:]))
        case .schedule(let schedule):
            return holds(schedule.contains(cart.occurredAt))
        case .excludes(let exclusion):
            return holds(!cart.lines.contains(where: exclusion.matches))
        }
    }

    static func holds(_ condition: Bool) -> CriteriaMatch { CriteriaMatch(isSatisfied: condition, triggerLineIds: []) }

    static func matches(_ contains: CartContains, _ line: CartLine) -> Bool {
        func overlaps(_ wanted: [String]?, _ values: [String]) -> Bool {
            guard let wanted else { return true }
            return values.contains { wanted.contains($0) }
        }
        return overlaps(contains.productIds, [line.productId])
            && overlaps(contains.variantIds, [line.variantId])
            && overlaps(contains.collectionIds, line.collectionIds ?? [])
            && overlaps(contains.tags, line.tags ?? [])
            && overlaps(contains.productTypes, line.productType.map { [$0] } ?? [])
            && overlaps(contains.vendors, line.vendor.map { [$0] } ?? [])
    }

    static func matchedLines(_ contains: CartContains, _ lines: [CartLine]) -> [CartLine]? {
        let matched = lines.filter { matches(contains, $0) }
        guard !matched.isEmpty else { return nil }
        if contains.match == .all {
            if let ids = contains.productIds, !ids.allSatisfy({ id in matched.contains { $0.productId == id } }) { return nil }
            if let ids = contains.variantIds, !ids.allSatisfy({ id in matched.contains { $0.variantId == id } }) { return nil }
        }
        let quantity = matched.reduce(0) { $0 + $1.quantity }
        guard quantity >= (contains.minQuantity ?? 1), contains.maxQuantity.map({ quantity <= $0 }) ?? true else { return nil }
        return matched
    }
}
