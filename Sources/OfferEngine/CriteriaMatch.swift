/// The outcome of evaluating criteria against a cart.
public struct CriteriaMatch: Sendable, Hashable {
    public var isSatisfied: Bool
    /// Ids of the lines matched by satisfied `cartContains` conditions outside any `not`.
    public var triggerLineIds: Set<String>

    public init(isSatisfied: Bool, triggerLineIds: Set<String>) {
        self.isSatisfied = isSatisfied
        self.triggerLineIds = triggerLineIds
    }

    static let unsatisfied = CriteriaMatch(isSatisfied: false, triggerLineIds: [])

    static func holds(_ condition: Bool) -> CriteriaMatch {
        CriteriaMatch(isSatisfied: condition, triggerLineIds: [])
    }
}
