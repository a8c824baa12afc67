/// How many lines of one kind may be logged per time window: a flood of bad input (an attack,
/// a broken producer) must not flood the logs too. What is held back is counted and said in
/// one line when the window ends; the metrics count everything.
struct LogBudget {
    let burst: Int
    let window: Duration
    private var windowStart: ContinuousClock.Instant?
    private var logged = 0
    private var held = 0

    init(burst: Int, window: Duration) {
        self.burst = burst
        self.window = window
    }

    /// Whether one more line may be logged now; when a window ended with lines held back,
    /// `report` is called first with how many.
    mutating func admit(now: ContinuousClock.Instant = .now, report: (Int) -> Void) -> Bool {
        rollOver(now: now, report: report)
        if windowStart == nil { windowStart = now }
        guard logged < burst else {
            held += 1
            return false
        }
        logged += 1
        return true
    }

    /// Reports lines held back in a window that has ended (call now and then, so the count
    /// is said even when no more lines come).
    mutating func rollOver(now: ContinuousClock.Instant = .now, report: (Int) -> Void) {
        guard let start = windowStart, now - start >= window else { return }
        if held > 0 { report(held) }
        windowStart = nil
        logged = 0
        held = 0
    }
}
