extension AttributeCondition {
    func problems(at path: String) -> [String] {
        var problems: [String] = []
        if key.isEmpty { problems.append("\(path).key: must not be empty") }
        let tests = [equals != nil, values != nil, exists != nil].filter { $0 }.count
        if tests != 1 { problems.append("\(path): give exactly one of equals, in, exists") }
        if values?.isEmpty == true { problems.append("\(path).in: must not be empty") }
        return problems
    }
}
