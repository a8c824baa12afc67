/// A small, seeded generator: the same seed gives the same cases on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(_ upperBound: Int) -> Int { Int(next() % UInt64(upperBound)) }

    /// True once in `n` times.
    mutating func oneIn(_ n: Int) -> Bool { next(n) == 0 }

    mutating func pick<T>(_ choices: [T]) -> T { choices[next(choices.count)] }

    mutating func bytes(count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
