import Foundation

/// The benchmark's figures as compact tables, each next to its target, with `ok` or
/// `MISSED` (a missed target is reported, not an error).
struct Report {
    private var throughput: [[String]] = []
    private var figures: [[String]] = []
    private(set) var missed = 0

    /// A throughput row: events per second, its ratio to the C ceiling, CPU per event.
    mutating func rate(_ name: String, eventsPerSecond: Double, ceiling: Double?, cpuMicros: Double?, target: Target?) {
        let ratio = ceiling.map { eventsPerSecond / $0 }
        throughput.append([
            name, Self.grouped(eventsPerSecond), ratio.map { Self.fixed($0, 2) + "×" } ?? "—",
            cpuMicros.map { Self.fixed($0, 1) } ?? "—", target?.text ?? "—", verdict(target, ratio: ratio, rate: eventsPerSecond),
        ])
    }

    /// Another figure: `value` against an upper or lower bound.
    mutating func figure(_ name: String, _ text: String, value: Double, atMost bound: Double?, _ targetText: String) {
        var result = ""
        if let bound {
            result = value <= bound ? "ok" : "MISSED"
            if value > bound { missed += 1 }
        }
        figures.append([name, text, targetText, result])
    }

    /// A throughput target: a ratio to the ceiling, or events per second.
    enum Target {
        case ratio(Double)
        case rate(Double)

        var text: String {
            switch self {
            case .ratio(let ratio): "≥ " + Report.fixed(ratio, 2) + "× C"
            case .rate(let rate): "≥ " + Report.grouped(rate) + "/s"
            }
        }
    }

    private mutating func verdict(_ target: Target?, ratio: Double?, rate: Double) -> String {
        guard let target else { return "" }
        let met: Bool
        switch target {
        case .ratio(let wanted): met = (ratio ?? 0) >= wanted
        case .rate(let wanted): met = rate >= wanted
        }
        if !met { missed += 1 }
        return met ? "ok" : "MISSED"
    }

    func render() -> String {
        Self.table(header: ["run", "events/s", "× C", "CPU µs/event", "target", ""], rows: throughput)
            + "\n" + Self.table(header: ["worker figure", "measured", "target", ""], rows: figures)
    }

    private static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    static func grouped(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var result = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0, index % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return String(result.reversed())
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}
