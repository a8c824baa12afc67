extension CustomerCondition {
    public func matches(_ customer: Customer?) -> Bool {
        let orders = customer?.ordersCount ?? 0
        if let tags, !tags.matches(customer?.tags ?? []) { return false }
        if let country, !(customer?.country.map(country.values.contains) ?? false) { return false }
        if let ordersCount, !ordersCount.contains(orders) { return false }
        if let returning, returning != (orders >= 1) { return false }
        if let signedIn, signedIn != (customer?.id != nil) { return false }
        return true
    }
}
