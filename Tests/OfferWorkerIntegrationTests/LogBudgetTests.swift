@testable import OfferWorker
import Testing

@Suite("Log budget: a flood of bad input does not flood the logs")
struct LogBudgetTests {
    @Test("at most the burst per window is logged; what is held back is reported once when the window ends")
    func burstThenCount() {
        var budget = LogBudget(burst: 3, window: .seconds(10))
        let start = ContinuousClock.now
        var reports: [Int] = []
        let admitted = (0..<10).map { _ in budget.admit(now: start) { reports.append($0) } }
        #expect(admitted == [true, true, true] + Array(repeating: false, count: 7))
        budget.rollOver(now: start + .seconds(5)) { reports.append($0) }
        #expect(reports.isEmpty, "the window has not ended")
        budget.rollOver(now: start + .seconds(10)) { reports.append($0) }
        #expect(reports == [7])
        #expect(budget.admit(now: start + .seconds(11)) { reports.append($0) }, "a new window logs again")
        #expect(reports == [7])
    }
}
