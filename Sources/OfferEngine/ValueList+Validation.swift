extension ValueList {
    func problems(at path: String, kind: String, valid: (String) -> Bool) -> [String] {
        if values.isEmpty { return ["\(path).in: must not be empty"] }
        return values.enumerated().compactMap { index, value in
            valid(value) ? nil : "\(path).in[\(index)]: not \(kind) (got '\(value)')"
        }
    }
}
