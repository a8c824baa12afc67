extension AttributeCondition {
    public func matches(_ attributes: [String: String]) -> Bool {
        let value = attributes[key]
        if let equals, value != equals { return false }
        if let values, !(value.map(values.contains) ?? false) { return false }
        if let exists, exists != (value != nil) { return false }
        return true
    }
}
