import Foundation

/// Every problem of one offer, decoding and validation alike, in one pass: a merchant fixing
/// a catalog sees all of an offer's problems at once, not one per attempt.
///
/// JSONDecoder stops at the first problem, so after each one the faulty part is mended (an
/// unknown field removed, a faulty value swapped for a valid stand-in) and the offer decoded
/// again, until it decodes. The mended offer is then validated like any other, leaving out
/// the problems that concern a mended part (they would describe the stand-in, not what the
/// merchant wrote) and the rules that depend on a kind or currency that could not be read.
struct OfferDecodingProblems {
    /// What decoding one offer gave.
    struct Outcome {
        /// The offer, when it decoded as written (it may still have validation problems).
        var offer: Offer?
        /// The offerId, when it could be read (for the duplicate check).
        var offerId: String?
        /// Every problem, decoding problems first, each with its path.
        var problems: [String]
    }

    /// Decodes and validates `entry` (the offer's JSON object), with paths under `path`.
    static func decode(_ entry: Any, at path: String) -> Outcome {
        guard var offer = entry as? [String: Any] else {
            return Outcome(problems: ["\(path): expected an offer object"])
        }
        var problems: [String] = []
        var mended: [String] = []
        var knowsKind = true, knowsCurrency = true, knowsOfferId = true
        // Each round removes or replaces one part, so the number of parts bounds the rounds.
        for _ in 0..<(64 + 4 * countParts(offer)) {
            let decoded: Offer
            do {
                decoded = try JSONDecoder().decode(Offer.self, from: try JSONSerialization.data(withJSONObject: offer))
            } catch let error as DecodingError {
                let (codingPath, detail) = describe(error)
                problems.append("\(render(codingPath, under: path)): \(detail)")
                guard let part = mend(&offer, at: codingPath, unknownField: detail.hasPrefix("unknown field")) else { break }
                mended.append(render(part, under: path))
                switch part.first {
                case .key("kind"): knowsKind = false
                case .key("currency"): knowsCurrency = false
                case .key("offerId"): knowsOfferId = false
                default: break
                }
                continue
            } catch {
                problems.append("\(path): \(error)")
                break
            }
            let checks = decoded.problems(at: path, kindIsKnown: knowsKind, currencyIsKnown: knowsCurrency)
            problems += checks.filter { problem in !mended.contains { related($0, problemPath(problem)) } }
            return Outcome(offer: mended.isEmpty ? decoded : nil, offerId: knowsOfferId ? decoded.offerId : nil, problems: problems)
        }
        let offerId = knowsOfferId ? offer["offerId"] as? String : nil
        return Outcome(offerId: offerId, problems: problems)
    }

    /// One step of a coding path.
    enum Part: Equatable {
        case key(String)
        case index(Int)
    }

    // Valid values that take the place of a faulty part (computed: `Any` is not Sendable).
    private static var standInCriterion: [String: Any] { ["subtotal": ["gte": "0"]] }
    private static var standInItem: [String: Any] { ["productId": "p", "variantId": "v", "quantity": 1, "unitPrice": "0"] }
    private static var standInRule: [String: Any] { ["fixed": "0"] }
    private static var standIns: [String: Any] {
        ["offerId": "offer", "kind": "crossSell", "status": "active", "displayCriteria": standInCriterion, "items": [standInItem]]
    }
    private static var itemStandIns: [String: Any] { ["productId": "p", "variantId": "v", "quantity": 1, "unitPrice": "0"] }
    private static let conditionKeys: Set<String> = ["all", "any", "not"]

    /// Mends the part of `offer` at `codingPath`; returns the path of the part mended, or
    /// `nil` when nothing could be (the rounds stop).
    private static func mend(_ offer: inout [String: Any], at codingPath: [Part], unknownField: Bool) -> [Part]? {
        guard case .key(let field)? = codingPath.first else { return nil }
        if unknownField {
            return remove(codingPath, from: &offer) ? codingPath : nil
        }
        switch field {
        case "items" where codingPath.count >= 2:
            guard var items = offer["items"] as? [Any], case .index(let index) = codingPath[1], items.indices.contains(index) else { break }
            let itemPath = Array(codingPath.prefix(2))
            defer { offer["items"] = items }
            if codingPath.count >= 3, case .key(let itemField) = codingPath[2], var item = items[index] as? [String: Any] {
                defer { items[index] = item }
                if itemField == "prices", codingPath.count >= 4, case .key(let currency) = codingPath[3], var prices = item["prices"] as? [String: Any] {
                    prices[currency] = standInRule
                    item["prices"] = prices
                    return Array(codingPath.prefix(4))
                }
                if let standIn = itemStandIns[itemField], !same(item[itemField], standIn) {
                    item[itemField] = standIn
                    return Array(codingPath.prefix(3))
                }
                if itemField == "compareAtPrice", item.removeValue(forKey: itemField) != nil {
                    return Array(codingPath.prefix(3))
                }
            }
            guard !same(items[index], standInItem) else { return nil }
            items[index] = standInItem
            return itemPath
        case "displayCriteria":
            guard let criteria = offer["displayCriteria"] else { break }
            let replaced = replacingCriterion(in: criteria, at: Array(codingPath.dropFirst()))
            guard !same(replaced, criteria) else { break }
            offer["displayCriteria"] = replaced
            return codingPath
        default:
            break
        }
        if let standIn = standIns[field] {
            guard !same(offer[field], standIn) else { return nil }
            offer[field] = standIn
        } else {
            guard offer.removeValue(forKey: field) != nil else { return nil }
        }
        return [.key(field)]
    }

    /// Removes the object member at `path` (an unknown field).
    private static func remove(_ path: [Part], from value: inout [String: Any]) -> Bool {
        guard case .key(let key)? = path.first else { return false }
        if path.count == 1 { return value.removeValue(forKey: key) != nil }
        guard var child = value[key] else { return false }
        guard remove(Array(path.dropFirst()), from: &child) else { return false }
        value[key] = child
        return true
    }

    private static func remove(_ path: [Part], from value: inout Any) -> Bool {
        switch (path.first, value) {
        case (.key?, var object as [String: Any]):
            guard remove(path, from: &object) else { return false }
            value = object
            return true
        case (.index(let index)?, var array as [Any]) where array.indices.contains(index):
            var element = array[index]
            guard path.count > 1, remove(Array(path.dropFirst()), from: &element) else { return false }
            array[index] = element
            value = array
            return true
        default:
            return false
        }
    }

    /// The criteria tree with the deepest node on `path` that holds the fault replaced.
    private static func replacingCriterion(in node: Any, at path: [Part]) -> Any {
        guard let object = node as? [String: Any], case .key(let key)? = path.first, conditionKeys.contains(key) else {
            return standInCriterion
        }
        if key == "not" {
            guard let inner = object["not"], path.count > 1 else { return standInCriterion }
            return ["not": replacingCriterion(in: inner, at: Array(path.dropFirst()))]
        }
        guard var children = object[key] as? [Any], path.count > 1, case .index(let index) = path[1], children.indices.contains(index) else {
            return standInCriterion
        }
        children[index] = replacingCriterion(in: children[index], at: Array(path.dropFirst(2)))
        return [key: children]
    }

    /// Whether `a` is the JSON value `b` (a stand-in already in place cannot mend anything).
    private static func same(_ a: Any?, _ b: Any) -> Bool {
        guard let a else { return false }
        func json(_ value: Any) -> Data? { try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) }
        return json(a) == json(b)
    }

    private static func countParts(_ value: Any) -> Int {
        switch value {
        case let object as [String: Any]: object.values.reduce(object.count) { $0 + countParts($1) }
        case let array as [Any]: array.reduce(array.count) { $0 + countParts($1) }
        default: 1
        }
    }

    // MARK: Paths and messages

    /// The error's coding path and what is wrong there (`not a decimal string: 'ten'`).
    static func describe(_ error: DecodingError) -> ([Part], String) {
        switch error {
        case .keyNotFound(let key, let context):
            return (parts(context.codingPath + [key]), "missing required field")
        case .typeMismatch(let type, let context):
            return (parts(context.codingPath), "expected \(jsonType(type))")
        case .valueNotFound(let type, let context):
            return (parts(context.codingPath), "null where \(jsonType(type)) is required")
        case .dataCorrupted(let context):
            return (parts(context.codingPath), context.debugDescription)
        @unknown default:
            return ([], "\(error)")
        }
    }

    private static func parts(_ codingPath: [any CodingKey]) -> [Part] {
        codingPath.map { key in key.intValue.map(Part.index) ?? .key(key.stringValue) }
    }

    /// `offers[3].displayCriteria.all[1]`: `parts` under `path`.
    static func render(_ parts: [Part], under path: String) -> String {
        parts.reduce(path) { text, part in
            switch part {
            case .key(let key): "\(text).\(key)"
            case .index(let index): "\(text)[\(index)]"
            }
        }
    }

    /// The path a problem is about: its text before the first `": "`.
    private static func problemPath(_ problem: String) -> String {
        problem.range(of: ": ").map { String(problem[..<$0.lowerBound]) } ?? problem
    }

    /// Whether one path lies within the other (or they are the same).
    private static func related(_ a: String, _ b: String) -> Bool {
        func within(_ inner: String, _ outer: String) -> Bool {
            inner == outer || inner.hasPrefix(outer + ".") || inner.hasPrefix(outer + "[")
        }
        return within(a, b) || within(b, a)
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Double.Type, is Float.Type: "a number"
        default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
