import Foundation

/// Why an input event cannot be used: a reason a person can act on, naming the field.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// An event that checks the rules its JSON Schema cannot express alone.
public protocol ValidatedEvent: Decodable {
    /// Every problem, each naming the field; empty when the event is usable.
    func problems(limits: EventLimits) -> [String]
}

/// Bounds on input events, so one oversized cart cannot stall a worker.
public struct EventLimits: Sendable, Hashable {
    public var maxBytes: Int
    public var maxLines: Int

    public init(maxBytes: Int = 983_040, maxLines: Int = 500) {
        self.maxBytes = maxBytes
        self.maxLines = maxLines
    }
}

/// Encodes and decodes the wire format: UTF-8 JSON, camelCase keys, amounts as decimal
/// strings, times as RFC 3339.
///
/// Encoding sorts keys, so the same event always gives the same bytes.
public struct EventCodec: Sendable {
    public var limits: EventLimits
    // Made once: encoding and decoding run for every event.
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()

    public init(limits: EventLimits = EventLimits()) {
        self.limits = limits
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    /// The event's JSON bytes.
    public func encode<T: Encodable>(_ value: T) -> [UInt8] {
        do {
            return Array(try encoder.encode(value))
        } catch {
            // The event types encode only strings, integers, arrays and objects.
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
    }

    /// Decodes JSON bytes, with an error naming the field at fault.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(EventDecodingError) -> T {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw EventDecodingError(reason: "not valid UTF-8")
        }
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw EventDecodingError(reason: Self.describe(error))
        } catch {
            throw EventDecodingError(reason: "not valid JSON: \(error)")
        }
    }

    /// Decodes and validates an input event: size limits first, then the JSON, then the
    /// rules of ``ValidatedEvent/problems(limits:)``.
    public func decodeValidated<T: ValidatedEvent>(_ type: T.Type, from bytes: [UInt8]) throws(EventDecodingError) -> T {
        guard bytes.count <= limits.maxBytes else {
            throw EventDecodingError(reason: "event of \(bytes.count) bytes is over the limit of \(limits.maxBytes)")
        }
        let event = try decode(type, from: bytes)
        let problems = event.problems(limits: limits)
        guard problems.isEmpty else { throw EventDecodingError(reason: problems.joined(separator: "; ")) }
        return event
    }

    /// `lines[0].unitPrice: not a decimal string: 'abc'`.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing required field"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(jsonType(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): null where \(jsonType(type)) is required"
        case .dataCorrupted(let context):
            // Foundation reports a syntax error at the root, sometimes without an underlying error.
            if context.codingPath.isEmpty, context.underlyingError != nil || context.debugDescription.contains("not valid JSON") {
                let detail = context.underlyingError.map { ": \(($0 as NSError).userInfo[NSDebugDescriptionErrorKey] ?? $0)" } ?? ""
                return "not valid JSON\(detail)"
            }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// A coding path as `offers[3].displayCriteria.all[1]`; `$` for the root.
    public static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "$" : text
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Double.Type, is Float.Type: "a number"
        default:
            if "\(type)".hasPrefix("Array") { "an array" }
            else if "\(type)".hasPrefix("Dictionary") { "an object" }
            else { "an object" }
        }
    }
}

extension CartUpdated: ValidatedEvent {
    public func problems(limits: EventLimits) -> [String] {
        var problems = requireSupported(schemaVersion)
        problems.append(contentsOf: requireIdentifier(eventId, "eventId"))
        problems.append(contentsOf: requireIdentifier(cartId, "cartId"))
        if version < 0 { problems.append("version: must not be negative (got \(version))") }
        if !currency.isCurrencyCode { problems.append("currency: not an ISO 4217 code such as \"EUR\" (got '\(currency)')") }
        if lines.count > limits.maxLines {
            problems.append("lines: \(lines.count) lines is over the limit of \(limits.maxLines)")
        }
        var seen = Set<String>()
        for (index, line) in lines.enumerated() {
            let at = "lines[\(index)]"
            problems.append(contentsOf: requireIdentifier(line.lineId, "\(at).lineId"))
            problems.append(contentsOf: requireIdentifier(line.productId, "\(at).productId"))
            problems.append(contentsOf: requireIdentifier(line.variantId, "\(at).variantId"))
            if line.quantity < 1 { problems.append("\(at).quantity: must be at least 1 (got \(line.quantity))") }
            if line.quantity > CartLine.maximumQuantity {
                problems.append("\(at).quantity: must be at most \(CartLine.maximumQuantity) (got \(line.quantity))")
            }
            if line.unitPrice.isNegative { problems.append("\(at).unitPrice: must not be negative (got \(line.unitPrice))") }
            if !seen.insert(line.lineId).inserted { problems.append("\(at).lineId: '\(line.lineId)' appears more than once") }
        }
        if let subtotal, subtotal.isNegative { problems.append("subtotal: must not be negative (got \(subtotal))") }
        if subtotal == nil, linesTotal == nil { problems.append("lines: the cart's total is too large to compute") }
        if let ordersCount = customer?.ordersCount, ordersCount < 0 {
            problems.append("customer.ordersCount: must not be negative (got \(ordersCount))")
        }
        return problems
    }
}

extension OfferAccepted: ValidatedEvent {
    public func problems(limits: EventLimits) -> [String] {
        requireSupported(schemaVersion) + requireIdentifier(eventId, "eventId") + requireIdentifier(cartId, "cartId")
            + requireIdentifier(presentationId, "presentationId")
    }
}

extension OfferDeclined: ValidatedEvent {
    public func problems(limits: EventLimits) -> [String] {
        requireSupported(schemaVersion) + requireIdentifier(eventId, "eventId") + requireIdentifier(cartId, "cartId")
            + requireIdentifier(presentationId, "presentationId")
    }
}

/// The input schema version this worker reads.
public let supportedSchemaVersion = 1

private func requireSupported(_ version: Int?) -> [String] {
    guard let version, version != supportedSchemaVersion else { return [] }
    return ["schemaVersion: unsupported version \(version) (this worker reads version \(supportedSchemaVersion))"]
}

private func requireIdentifier(_ value: String, _ path: String) -> [String] {
    if value.isEmpty { return ["\(path): must not be empty"] }
    if value.utf8.count > 256 { return ["\(path): longer than 256 bytes"] }
    return []
}

extension String {
    /// Three upper-case ASCII letters.
    var isCurrencyCode: Bool {
        utf8.count == 3 && utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }
}
