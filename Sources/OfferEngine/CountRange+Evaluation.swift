extension CountRange {
    public func contains(_ count: Int) -> Bool {
        (gte.map { count >= $0 } ?? true) && (lt.map { count < $0 } ?? true)
    }
}
