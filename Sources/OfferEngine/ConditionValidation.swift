// Checks several conditions' validations share.

/// `"\(path).\(name): must not be empty"` for each list in `lists` that is an empty array.
func emptyListProblems(_ lists: [(String, [String]?)], at path: String) -> [String] {
    lists.compactMap { name, list in list?.isEmpty == true ? "\(path).\(name): must not be empty" : nil }
}

extension String {
    /// Two upper-case ASCII letters.
    var isCountryCode: Bool {
        utf8.count == 2 && utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }
}
