import OfferEngine

/// Why decoding stopped, before it is turned into the reason text of an
/// ``EventDecodingError``: reasons are only built for refused events, never on the happy path.
///
/// Mirrors the errors Foundation's `JSONDecoder` reports through `EventCodec.describe`, so a
/// refusal reads the same whichever codec made it.
struct WireFailure: Error {
    enum Kind {
        /// The document is not JSON (found while scanning its structure). Foundation scans
        /// the whole document before decoding anything, so this beats every other failure.
        case syntax
        /// A value that is only checked when it is read (an escape in a string, a number)
        /// is malformed: Foundation reports it as "not valid JSON" too, but in the order
        /// the fields are decoded.
        case invalidValue
        /// A required field is absent; the path ends with its key.
        case missingField
        case typeMismatch(WireType)
        case null(WireType)
        /// A custom decoder's message, such as "not a decimal string: '1,5'".
        case corrupted(String)
        /// Refused before or after the JSON (size, UTF-8, the event's rules): the reason as is.
        case refused(String)
    }

    var kind: Kind
    /// The coding path, innermost first: each level appends its key or index as the
    /// failure is passed up, so nothing is built on the happy path.
    var reversedPath: [WirePathComponent] = []
    /// The other failures Foundation may report instead: of several failing values in a
    /// `[String: String]`, it reports whichever its (randomly seeded) hash order reaches
    /// first, where this codec reports the first in the document. For the differential
    /// tests; empty unless `attributes` has several failing values.
    var alternatives: [WireFailure] = []

    static let syntax = WireFailure(kind: .syntax)
    static let invalidValue = WireFailure(kind: .invalidValue)

    /// This failure as seen from the container that holds it under `component`.
    func under(_ component: WirePathComponent) -> WireFailure {
        var failure = self
        failure.reversedPath.append(component)
        failure.alternatives = alternatives.map { $0.under(component) }
        return failure
    }

    var decodingError: EventDecodingError { EventDecodingError(reason: reason) }

    /// The reason text `EventCodec` gives for the same failure.
    var reason: String {
        switch kind {
        case .syntax, .invalidValue: "not valid JSON"
        case .missingField: "\(path): missing required field"
        case .typeMismatch(let type): "\(path): expected \(type.description)"
        case .null(let type): "\(path): null where \(type.description) is required"
        case .corrupted(let description): "\(path): \(description)"
        case .refused(let reason): reason
        }
    }

    /// `lines[0].unitPrice`, `attributes[5]`; `$` for the root, as `EventCodec.path`.
    var path: String {
        var text = ""
        for component in reversedPath.reversed() {
            switch component {
            case .field(let name):
                text += (text.isEmpty ? "" : ".") + String(staticName: name)
            case .index(let index):
                text += "[\(index)]"
            case .dictionaryKey(let key):
                // The standard library's dictionary coding key has an integer value when
                // the key reads as one ("5", "+5", "-0").
                if let index = Int(key) {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key
                }
            }
        }
        return text.isEmpty ? "$" : text
    }
}

/// One step of a coding path.
enum WirePathComponent {
    /// A field of an event type.
    case field(StaticString)
    /// An array element.
    case index(Int)
    /// A key of a `[String: String]` field such as `attributes`.
    case dictionaryKey(String)
}

/// The JSON type a field expects, named as `EventCodec` names it in reasons.
enum WireType {
    case string, integer, object, array

    var description: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .object: "an object"
        case .array: "an array"
        }
    }
}

extension String {
    init(staticName name: StaticString) {
        self = name.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }
}
