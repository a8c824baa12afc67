/// The failures met while reading one object's fields, to report the one Foundation
/// reports: any malformed key first, then the failing (or missing) field declared first.
struct FieldFailures {
    var keyFailed = false
    private var first: (order: Int, failure: WireFailure)?

    mutating func note(_ order: Int, _ failure: WireFailure) {
        if let first, first.order <= order { return }
        first = (order, failure)
    }

    /// A required field that never appeared.
    mutating func noteMissing(_ order: Int, _ name: StaticString) {
        note(order, WireFailure(kind: .missingField, reversedPath: [.field(name)]))
    }

    /// The failure Foundation would have thrown, if any.
    var failure: WireFailure? {
        keyFailed ? .invalidValue : first?.failure
    }
}
