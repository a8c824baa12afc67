import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

@Suite("Security settings and start-up validation", .serialized)
struct SecurityAndConfigurationTests {
    /// Runs the executable with extra environment variables until it exits (or `timeout`,
    /// then SIGTERM); returns the exit status and everything it printed.
    func runWorker(_ arguments: [String], environment extra: [String: String], timeout: Duration = .seconds(40)) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = CommandLine.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let collected = OutputCollector(output.fileHandleForReading)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        try await offPool { process.waitUntilExit() }
        return (process.terminationStatus, collected.text())
    }

    @Test("SASL settings from a properties file, environment variables, flags and a secret file reach librdkafka; no secret is printed",
          arguments: ["PLAIN", "SCRAM-SHA-512", "OAUTHBEARER"])
    func secretsReachLibrdkafkaButNeverTheLog(mechanism: String) async throws {
        let cluster = try EmbeddedKafkaCluster.withWorkerTopics(TopicNames(), partitions: 2)
        let secretFile = try CommandLine.temporaryFile("S1-password-from-file\n")
        let oauth = mechanism == "OAUTHBEARER" ? "enable.sasl.oauthbearer.unsecure.jwt=true\n" : ""
        let propertiesFile = try CommandLine.temporaryFile("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=\(mechanism)\nssl.key.password=S2-from-properties\n\(oauth)")
        let offersFile = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { for file in [secretFile, propertiesFile, offersFile] { try? FileManager.default.removeItem(at: file) } }

        let (status, output) = try await runWorker(
            ["run", "--bootstrap-servers", cluster.bootstrapServers, "--offers", offersFile.path, "--log-level", "debug",
             "--kafka-properties", propertiesFile.path, "-X", "sasl.password=@\(secretFile.path)"],
            environment: [
                "OFFER_WORKER_KAFKA_SASL_USERNAME": "svc-offers", "OFFER_WORKER_KAFKA_SASL_PASSWORD": "S3-overridden-by-flag",
                "OFFER_WORKER_KAFKA_SASL_OAUTHBEARER_CONFIG": mechanism == "OAUTHBEARER" ? "principal=svc-offers extension_ticket=S4-oauth-extension" : "",
            ].filter { !$0.value.isEmpty })

        // The embedded broker does not speak SASL: librdkafka tried PLAIN with our settings,
        // and the worker gave up with an error instead of running unauthenticated.
        #expect(status != 0)
        #expect(output.contains("SASL") && output.contains(mechanism), "\(output.suffix(2000))")
        #expect(output.contains("security.protocol=SASL_PLAINTEXT") && output.contains("sasl.username=svc-offers"))
        #expect(output.contains("sasl.password=[redacted]") && output.contains("ssl.key.password=[redacted]"))
        for secret in ["S1-password-from-file", "S2-from-properties", "S3-overridden-by-flag", "S4-oauth-extension"] {
            #expect(!output.contains(secret), "secret \(secret) was printed")
        }
    }

    @Test("wrong configuration fails fast, saying what to fix")
    func failsFast() async throws {
        let offersFile = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: offersFile) }
        let start = ContinuousClock.now
        let (unknownStatus, unknown) = try await CommandLine.run(["run", "--bootstrap-servers", "127.0.0.1:1", "--offers", offersFile.path,
                                                            "-X", "sasl.passwrd=hunter2"])
        #expect(unknownStatus != 0)
        #expect(unknown.contains("sasl.passwrd") && !unknown.contains("hunter2"), "\(unknown)")

        let (numbersStatus, numbers) = try await CommandLine.run(["run", "--bootstrap-servers", "127.0.0.1:1", "--offers", offersFile.path,
                                                            "--max-offers-per-cart", "0", "--max-cart-lines", "0"])
        #expect(numbersStatus != 0)
        #expect(numbers.contains("--max-offers-per-cart must be between 1 and 100 (got 0)") && numbers.contains("--max-cart-lines must be between 1 and 100000 (got 0)"), "\(numbers)")

        let (typoStatus, typo) = try await CommandLine.run(["run", "--bootstrap-servers", "127.0.0.1:1", "--offers", offersFile.path, "--max-batch-size", "lots"])
        #expect(typoStatus != 0)
        #expect(typo.contains("lots") && typo.contains("max-batch-size"), "\(typo)")
        #expect(ContinuousClock.now - start < .seconds(10), "validation should not wait for the broker")
    }

    @Test("every bad flag and every refused librdkafka property is reported in one run, in one style")
    func everyProblemInOneRun() async throws {
        let offersFile = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: offersFile) }
        let (status, output) = try await CommandLine.run([
            "run", "--bootstrap-servers", "127.0.0.1:1", "--offers", offersFile.path,
            "-X", "acks=banana", "-X", "session.timeout.ms=abc", "-X", "no-equals-sign",
            "--metrics-port", "70000", "--max-offers-per-cart", "-1", "--max-batch-size", "lots", "--shutdown-timeout", "0",
            "--offers-reload-interval", "-5", "--guarantee", "exactly-once",
        ])
        #expect(status == 1, "\(output)")
        for problem in [
            #"Kafka property acks refused: Invalid value for configuration property "request.required.acks""#,
            #"Kafka property session.timeout.ms refused: Invalid value for configuration property "session.timeout.ms""#,
            "-X no-equals-sign: expected key=value",
            "--metrics-port must be between 0 and 65535 (got 70000)",
            "--max-offers-per-cart must be between 1 and 100 (got -1)",
            "--max-batch-size must be a whole number between 1 and 100000 (got 'lots')",
            "--shutdown-timeout must be between 1 and 3600 (got 0)",
            "--offers-reload-interval must be between 0 and 86400 (got -5)",
            "--guarantee exactly-once needs --transactional-id",
        ] {
            #expect(output.contains(problem), "missing \(problem) in:\n\(output)")
        }
        #expect(output.hasPrefix("Error: invalid configuration:\n"), "\(output)")
        #expect(!output.contains("CONFIGURATION:") && !output.contains("Usage"), "\(output)")
    }

    @Test("out-of-range ports are refused with a message, not a crash", arguments: ["70000", "65536", "-1"])
    func metricsPortRange(port: String) async throws {
        let offersFile = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: offersFile) }
        let (status, output) = try await CommandLine.run(["run", "--bootstrap-servers", "127.0.0.1:1", "--offers", offersFile.path, "--metrics-port", port])
        #expect(status == 1, "exit status \(status) (a crash is a signal): \(output)")
        #expect(output.contains("--metrics-port must be between 0 and 65535 (got \(port))"), "\(output)")
    }

    @Test("flags, Kafka properties and the catalog are reported together")
    func catalogProblemsJoinTheRest() async throws {
        let offersFile = try CommandLine.temporaryFile(#"{"offers":[{"offerId":"o","kind":"crossSell","status":"active","currancy":"EUR","displayCriteria":{"subtotal":{"gte":"1"}},"items":[{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"fixed":"1"}}}]}]}"#)
        defer { try? FileManager.default.removeItem(at: offersFile) }
        let (status, output) = try await CommandLine.run(["run", "--bootstrap-servers", "127.0.0.1:1", "--offers", offersFile.path,
                                                    "-X", "acks=banana", "--max-cart-lines", "0"])
        #expect(status == 1)
        #expect(output.contains("acks") && output.contains("--max-cart-lines must be between 1 and 100000 (got 0)")
                && output.contains("\(offersFile.path): offers[0].currancy: unknown field (did you mean 'currency'?)"), "\(output)")
    }

    @Test("a missing output topic is refused at start-up unless auto-creation is allowed")
    func missingOutputTopic() async throws {
        let present = ["cart.updated", "offer.accepted", "offer.presented", "cart.mutation", "offer.rejected"]
        try await expectStartupRefused(topics: Dictionary(uniqueKeysWithValues: present.map { ($0, 2) }),
                                       mentioning: ["offer-worker.dlq", "--allow-auto-create-topics"])
    }
}

/// Collects a pipe's output as it arrives, so a long-running process never blocks on a full pipe.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    init(_ handle: FileHandle) {
        handle.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { return }
            self.lock.withLock { self.data.append(chunk) }
        }
    }

    func text() -> String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}
