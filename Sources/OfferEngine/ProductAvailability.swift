import Foundation

/// What the store can supply, by variant: the engine's view of stock.
///
/// A variant without an entry counts as available in any quantity, so a worker without an
/// availability source (or a variant the source never mentioned) behaves as before. An offer
/// is not presented while one of its offered variants cannot be supplied in the quantity it
/// would add, and an acceptance of such items is rejected `outOfStock`.
public struct ProductAvailability: Sendable, Hashable {
    /// One variant's stock.
    public struct Entry: Sendable, Hashable {
        /// `false`: not sold at the moment, whatever the quantity.
        public var available: Bool
        /// Units on hand, when known; `nil` means "available, quantity not tracked".
        public var quantity: Int?

        public init(available: Bool, quantity: Int? = nil) {
            self.available = available
            self.quantity = quantity
        }
    }

    /// Entries by variantId.
    public private(set) var entries: [String: Entry]

    /// Every variant available: what a worker without an availability source uses.
    public static let unrestricted = ProductAvailability()

    public init(_ entries: [String: Entry] = [:]) {
        self.entries = entries
    }

    /// Builds the availability the records describe, later records replacing earlier ones
    /// for the same variant (as a compacted topic does).
    public init(records: [VariantAvailability]) {
        self.init()
        for record in records { apply(record) }
    }

    public var isEmpty: Bool { entries.isEmpty }

    public subscript(variantId: String) -> Entry? { entries[variantId] }

    /// Records one variant's stock; `nil` forgets it (it counts as available again).
    public mutating func set(_ variantId: String, _ entry: Entry?) {
        entries[variantId] = entry
    }

    /// Applies one record of the availability topic.
    public mutating func apply(_ record: VariantAvailability) {
        entries[record.variantId] = Entry(available: record.available, quantity: record.quantity)
    }

    /// Why `quantity` units of the variant cannot be supplied (`not available`,
    /// `3 in stock, 4 needed`); `nil` when they can.
    public func shortfall(variantId: String, quantity: Int) -> String? {
        guard let entry = entries[variantId] else { return nil }
        if !entry.available { return "not available" }
        if let onHand = entry.quantity, onHand < quantity { return "\(onHand) in stock, \(quantity) needed" }
        return nil
    }

    /// The first variant of `items` that cannot be supplied, with why; quantities of items
    /// offering the same variant add up. `nil` when every item can be supplied.
    public func firstShortfall(of items: [(variantId: String, quantity: Int)]) -> (variantId: String, reason: String)? {
        guard !entries.isEmpty else { return nil }
        var needed: [String: Int] = [:]
        var order: [String] = []
        for item in items {
            if needed[item.variantId] == nil { order.append(item.variantId) }
            let (sum, overflow) = needed[item.variantId, default: 0].addingReportingOverflow(item.quantity)
            needed[item.variantId] = overflow ? Int.max : sum
        }
        for variantId in order {
            if let reason = shortfall(variantId: variantId, quantity: needed[variantId]!) { return (variantId, reason) }
        }
        return nil
    }
}

/// One record of the availability topic (key variantId; an empty value deletes the entry,
/// which makes the variant available again):
/// `{"variantId": "case-black", "available": true, "quantity": 12, "updatedAt": "2026-11-24T10:00:00Z"}`.
/// schemas/product-availability.schema.json describes it.
public struct VariantAvailability: Codable, Sendable, Hashable {
    public var variantId: String
    public var available: Bool
    /// Units on hand (0 or more), when the store tracks them.
    public var quantity: Int?
    /// When the stock was read; kept for operators, not used to order records (the topic's
    /// order is the truth, as for the catalog topic).
    public var updatedAt: EventTime

    public init(variantId: String, available: Bool, quantity: Int? = nil, updatedAt: EventTime) {
        self.variantId = variantId
        self.available = available
        self.quantity = quantity
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case variantId, available, quantity, updatedAt }

    /// Strict: an unknown field is an error naming it, so a misspelt `quantity` is not read
    /// as "quantity not tracked".
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(
            variantId: try container.decode(String.self, forKey: .variantId),
            available: try container.decode(Bool.self, forKey: .available),
            quantity: try container.decodeIfPresent(Int.self, forKey: .quantity),
            updatedAt: try container.decode(EventTime.self, forKey: .updatedAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(variantId, forKey: .variantId)
        try container.encode(available, forKey: .available)
        try container.encodeIfPresent(quantity, forKey: .quantity)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    /// Problems decoding cannot see, each with its path under `path`.
    public func problems(at path: String) -> [String] {
        var problems = Offer.identifierProblems(variantId, at: "\(path).variantId")
        if let quantity, quantity < 0 { problems.append("\(path).quantity: must not be negative (got \(quantity))") }
        return problems
    }

    /// Decodes and validates one record's value; the error lists the problems, each with
    /// its path under `path` (`$.quantity: expected an integer`).
    public static func load(json: Data, at path: String = "$") throws(AvailabilityError) -> VariantAvailability {
        let record: VariantAvailability
        do {
            record = try JSONDecoder().decode(VariantAvailability.self, from: json)
        } catch let error as DecodingError {
            let (parts, detail) = OfferDecodingProblems.describe(error)
            throw AvailabilityError(problems: ["\(OfferDecodingProblems.render(parts, under: path)): \(detail)"])
        } catch {
            throw AvailabilityError(problems: [JSONSyntax.problem(in: json) ?? "\(path): \(error)"])
        }
        let problems = record.problems(at: path)
        guard problems.isEmpty else { throw AvailabilityError(problems: problems) }
        return record
    }

    /// Decodes an availability file: a JSON array of records (what `offers explain
    /// --availability` reads), later records replacing earlier ones of the same variant.
    public static func loadAll(json: Data) throws(AvailabilityError) -> ProductAvailability {
        if let syntax = JSONSyntax.problem(in: json) { throw AvailabilityError(problems: [syntax]) }
        guard let entries = (try? JSONSerialization.jsonObject(with: json)) as? [Any] else {
            throw AvailabilityError(problems: ["$: expected an array of availability records"])
        }
        var records: [VariantAvailability] = []
        var problems: [String] = []
        for (index, entry) in entries.enumerated() {
            do {
                guard JSONSerialization.isValidJSONObject(entry) else {
                    throw AvailabilityError(problems: ["$[\(index)]: expected an availability record object"])
                }
                records.append(try load(json: try JSONSerialization.data(withJSONObject: entry), at: "$[\(index)]"))
            } catch let error as AvailabilityError {
                problems += error.problems
            } catch {
                problems.append("$[\(index)]: \(error)")
            }
        }
        guard problems.isEmpty else { throw AvailabilityError(problems: problems) }
        return ProductAvailability(records: records)
    }
}

/// An availability record (or file) that cannot be used, with every problem and its path.
public struct AvailabilityError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        "invalid availability:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
