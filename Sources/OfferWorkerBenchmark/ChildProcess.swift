import Foundation
import Glibc

/// A run under test in a process of its own (this executable, started with `child …`), so
/// its CPU time and memory are its own and not the embedded broker's, which stays in the
/// parent.
final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    let name: String

    /// Starts `OfferWorkerBenchmark child <arguments…>`; its standard error is the parent's.
    init(_ name: String, arguments: [String]) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["child"] + arguments
        process.standardOutput = output
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// User + system CPU seconds of every thread so far, from `/proc/<pid>/stat`.
    func cpuSeconds() -> Double? {
        Self.cpuSeconds(stat: "/proc/\(pid)/stat")
    }

    /// CPU seconds so far of each of the child's threads, by their kernel name (threads of the
    /// same name added up): where the worker's time goes, its `offer-loop` against the rest.
    func threadCPUSeconds() -> [String: Double] { Self.threadCPUSeconds(pid: pid) }

    /// ``threadCPUSeconds()`` of any process (`getpid()`: this one, with the embedded broker).
    static func threadCPUSeconds(pid: Int32) -> [String: Double] {
        let tasks = "/proc/\(pid)/task"
        var seconds: [String: Double] = [:]
        for task in (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? [] {
            guard let name = try? String(contentsOfFile: "\(tasks)/\(task)/comm", encoding: .utf8),
                  let cpu = cpuSeconds(stat: "\(tasks)/\(task)/stat") else { continue }
            seconds[name.trimmingCharacters(in: .whitespacesAndNewlines), default: 0] += cpu
        }
        return seconds
    }

    /// utime + stime of a `stat` file, in seconds.
    private static func cpuSeconds(stat path: String) -> Double? {
        guard let stat = try? String(contentsOfFile: path, encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3; utime and stime are 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `/proc/<pid>/status` figure in bytes (`VmHWM` the peak resident set, `VmRSS` now).
    func memory(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }

    /// Asks the child to stop (SIGTERM: the worker shuts down gracefully), waits for it, and
    /// fails when it does not end in time or ends with an error.
    func stop(timeout: Duration = .seconds(30)) throws {
        if process.isRunning { Glibc.kill(pid, SIGTERM) }
        try waitForExit(timeout: timeout)
    }

    /// Waits for the child to end by itself; returns what it printed.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(60)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                Glibc.kill(pid, SIGKILL)
                throw BenchmarkError("\(name) did not finish within \(timeout)")
            }
            usleep(5_000)
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw BenchmarkError("\(name) failed (status \(process.terminationStatus))")
        }
        return text
    }

    /// Ends the child at once, if it still runs (on the parent's errors).
    func kill() {
        if process.isRunning { Glibc.kill(pid, SIGKILL) }
    }
}

/// A failure of the benchmark itself (not a missed target): exit status 1.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
