import Foundation

/// Every decoding problem of one offer. JSONDecoder stops at the first, so after each
/// problem the offending part is swapped for a valid stand-in and the offer decoded again,
/// until it decodes: a merchant fixing a catalog sees all of an offer's problems at once.
enum OfferDecodingProblems {
    /// Problems of `entry` (the offer's JSON object), each with its path under `path`.
    static func find(in entry: Any, at path: String) -> [String] {
        guard var offer = entry as? [String: Any] else { return ["\(path): expected an offer object"] }
        var problems: [String] = []
        for _ in 0..<64 {
            guard let data = try? JSONSerialization.data(withJSONObject: offer) else { break }
            do {
                _ = try JSONDecoder().decode(Offer.self, from: data)
                break
            } catch let error as DecodingError {
                let detail = EventCodec.describe(error)
                problems.append(detail.hasPrefix("$") ? "\(path)\(detail.dropFirst())" : "\(path).\(detail)")
                guard let codingPath = Self.codingPath(of: error), replaceFaultyPart(at: codingPath, in: &offer) else { break }
            } catch {
                problems.append("\(path): \(error)")
                break
            }
        }
        return problems
    }

    // Valid values that take the place of a faulty part (computed: `Any` is not Sendable).
    private static var standInCriterion: [String: Any] { ["subtotal": ["gte": "0"]] }
    private static var standInItem: [String: Any] { ["productId": "p", "variantId": "v", "quantity": 1, "unitPrice": "0"] }
    private static var standIns: [String: Any] {
        ["offerId": "offer", "kind": "crossSell", "status": "active", "displayCriteria": standInCriterion, "items": [standInItem]]
    }
    private static let conditionKeys: Set<String> = ["all", "any", "not"]

    private static func codingPath(of error: DecodingError) -> [any CodingKey]? {
        switch error {
        case .keyNotFound(let key, let context): context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context.codingPath
        @unknown default: nil
        }
    }

    /// Replaces the smallest part around `codingPath` that has a stand-in: an item, a
    /// criteria node, or a top-level field (removed when optional). Returns false when
    /// nothing could be replaced.
    private static func replaceFaultyPart(at codingPath: [any CodingKey], in offer: inout [String: Any]) -> Bool {
        guard let field = codingPath.first?.stringValue else { return false }
        switch field {
        case "items" where codingPath.count >= 2:
            guard var items = offer["items"] as? [Any], let index = codingPath[1].intValue, items.indices.contains(index) else { break }
            items[index] = standInItem
            offer["items"] = items
            return true
        case "displayCriteria":
            guard let criteria = offer["displayCriteria"] else { break }
            offer["displayCriteria"] = replacingCriterion(in: criteria, at: Array(codingPath.dropFirst()))
            return true
        default:
            break
        }
        if let standIn = standIns[field] {
            guard !(offer[field].map { "\($0)" == "\(standIn)" } ?? false) else { return false }
            offer[field] = standIn
        } else {
            guard offer.removeValue(forKey: field) != nil else { return false }
        }
        return true
    }

    /// The criteria tree with the deepest node on `path` that holds the fault replaced.
    private static func replacingCriterion(in node: Any, at path: [any CodingKey]) -> Any {
        guard let object = node as? [String: Any], let key = path.first?.stringValue, conditionKeys.contains(key) else {
            return standInCriterion
        }
        if key == "not" {
            guard let inner = object["not"], path.count > 1 else { return standInCriterion }
            return ["not": replacingCriterion(in: inner, at: Array(path.dropFirst()))]
        }
        guard var children = object[key] as? [Any], path.count > 1, let index = path[1].intValue, children.indices.contains(index) else {
            return standInCriterion
        }
        children[index] = replacingCriterion(in: children[index], at: Array(path.dropFirst(2)))
        return [key: children]
    }
}
