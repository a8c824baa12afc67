extension AmountRange {
    public func contains(_ amount: DecimalAmount) -> Bool {
        (gte.map { amount >= $0 } ?? true) && (lt.map { amount < $0 } ?? true)
    }
}
