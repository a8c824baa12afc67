import Foundation
import Testing

/// Options from `OFFER_WORKER_*` variables and a `--config` YAML file, and `config print`.
@Suite("Options from the environment and a configuration file", .serialized)
struct ConfigurationSourcesTests {
    /// `config print --format json`, as read back.
    struct Report: Decodable {
        struct Entry: Decodable {
            var name: String
            var value: String?
            var source: String
        }
        var configFile: String?
        var options: [Entry]
        var kafka: [Entry]

        func option(_ name: String) -> Entry? { options.first { $0.name == name } }
        func property(_ name: String) -> Entry? { kafka.first { $0.name == name } }
    }

    static func yaml(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("offer-worker-config-\(UUID()).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func offersFile() throws -> URL {
        try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
    }

    /// The problems of a failed run, one per `  - ` line.
    static func problems(_ output: String) -> [String] {
        output.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
    }

    func print(_ arguments: [String], environment: [String: String] = [:]) async throws -> Report {
        let (status, output) = try await CommandLine.run(["config", "print", "--format", "json"] + arguments, environment: environment)
        #expect(status == 0, "\(arguments): \(output)")
        return try JSONDecoder().decode(Report.self, from: Data(output.utf8))
    }

    @Test("flag > environment > file > default, for a string, a number, a flag, a named value and librdkafka properties (merged per property)")
    func precedence() async throws {
        let offers = try Self.offersFile()
        let file = try Self.yaml("""
        group-id: group-from-file
        max-batch-size: 200
        allow-auto-create-topics: true
        guarantee: exactly-once
        transactional-id: tx-from-file
        kafka:
          linger.ms: 5
          client.id: client-from-file
          socket.timeout.ms: 40000
        kafka-property:
          - acks=1
        """)
        defer {
            try? FileManager.default.removeItem(at: offers)
            try? FileManager.default.removeItem(at: file)
        }
        let base = ["--offers", offers.path, "--bootstrap-servers", "127.0.0.1:1"]

        // Nothing set: the defaults.
        let defaults = try await print(base)
        #expect(defaults.configFile == nil)
        for (name, value) in [("group-id", "offer-worker"), ("max-batch-size", "500"), ("allow-auto-create-topics", "false"), ("guarantee", "at-least-once")] {
            #expect(defaults.option(name)?.value == value && defaults.option(name)?.source == "default", "\(name): \(String(describing: defaults.option(name)))")
        }
        #expect(defaults.option("offers")?.source == "flag")
        #expect(defaults.property("bootstrap.servers")?.value == "127.0.0.1:1")

        // The file alone.
        let fromFile = try await print(base + ["--config", file.path])
        let fileSource = "file \(file.path)"
        #expect(fromFile.configFile == file.path)
        for (name, value) in [("group-id", "group-from-file"), ("max-batch-size", "200"), ("allow-auto-create-topics", "true"), ("guarantee", "exactly-once")] {
            #expect(fromFile.option(name)?.value == value && fromFile.option(name)?.source == fileSource, "\(name): \(String(describing: fromFile.option(name)))")
        }
        for (property, value) in [("linger.ms", "5"), ("client.id", "client-from-file"), ("acks", "1")] {
            #expect(fromFile.property(property)?.value == value && fromFile.property(property)?.source == fileSource, "\(property)")
        }

        // The environment over the file (the file named by OFFER_WORKER_CONFIG this time).
        let environment = [
            "OFFER_WORKER_CONFIG": file.path,
            "OFFER_WORKER_GROUP_ID": "group-from-env", "OFFER_WORKER_MAX_BATCH_SIZE": "300",
            "OFFER_WORKER_ALLOW_AUTO_CREATE_TOPICS": "false", "OFFER_WORKER_GUARANTEE": "at-least-once",
            "OFFER_WORKER_KAFKA_LINGER_MS": "6", "OFFER_WORKER_KAFKA_CLIENT_ID": "client-from-env",
        ]
        let fromEnvironment = try await print(base, environment: environment)
        #expect(fromEnvironment.configFile == file.path)
        #expect(fromEnvironment.option("config")?.source == "env OFFER_WORKER_CONFIG")
        for (name, value) in [("group-id", "group-from-env"), ("max-batch-size", "300"), ("allow-auto-create-topics", "false"), ("guarantee", "at-least-once")] {
            let variable = "OFFER_WORKER_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            #expect(fromEnvironment.option(name)?.value == value && fromEnvironment.option(name)?.source == "env \(variable)",
                    "\(name): \(String(describing: fromEnvironment.option(name)))")
        }
        #expect(fromEnvironment.option("transactional-id")?.value == "tx-from-file", "what the environment does not set still comes from the file")
        #expect(fromEnvironment.property("linger.ms")?.value == "6" && fromEnvironment.property("linger.ms")?.source == "env OFFER_WORKER_KAFKA_LINGER_MS")
        #expect(fromEnvironment.property("socket.timeout.ms")?.value == "40000" && fromEnvironment.property("socket.timeout.ms")?.source == "file \(file.path)")

        // Flags over both.
        let fromFlags = try await print(base + [
            "--group-id", "group-from-flag", "--max-batch-size=400", "--allow-auto-create-topics", "--guarantee", "exactly-once",
            "-X", "linger.ms=7",
        ], environment: environment)
        for (name, value) in [("group-id", "group-from-flag"), ("max-batch-size", "400"), ("allow-auto-create-topics", "true"), ("guarantee", "exactly-once")] {
            #expect(fromFlags.option(name)?.value == value && fromFlags.option(name)?.source == "flag", "\(name): \(String(describing: fromFlags.option(name)))")
        }
        #expect(fromFlags.property("linger.ms")?.value == "7" && fromFlags.property("linger.ms")?.source == "flag -X")
        #expect(fromFlags.property("client.id")?.value == "client-from-env", "one -X replaces only its own property")
        #expect(fromFlags.property("acks")?.value == "1" && fromFlags.property("acks")?.source == "file \(file.path)")
    }

    @Test("config print shows every option of run --help with its source, and masks sasl.password from the environment, the file and -X: the secret is nowhere in the output")
    func printMasksSecrets() async throws {
        let offers = try Self.offersFile()
        let file = try Self.yaml("""
        kafka:
          security.protocol: SASL_SSL
          sasl.mechanism: PLAIN
          sasl.username: offers
          sasl.password: FileSecret-7d1f
          ssl.key.password: FileKeySecret-02
        """)
        defer {
            try? FileManager.default.removeItem(at: offers)
            try? FileManager.default.removeItem(at: file)
        }
        let base = ["config", "print", "--offers", offers.path, "--bootstrap-servers", "127.0.0.1:1", "--config", file.path]
        let secrets = ["FileSecret-7d1f", "FileKeySecret-02", "EnvSecret-51aa", "FlagSecret-c3b9"]
        for (arguments, environment, source) in [
            ([String](), [String: String](), "file \(file.path)"),
            ([], ["OFFER_WORKER_KAFKA_SASL_PASSWORD": "EnvSecret-51aa"], "env OFFER_WORKER_KAFKA_SASL_PASSWORD"),
            (["-X", "sasl.password=FlagSecret-c3b9"], ["OFFER_WORKER_KAFKA_SASL_PASSWORD": "EnvSecret-51aa"], "flag -X"),
        ] {
            for format in ["table", "json", "yaml"] {
                let (status, output) = try await CommandLine.run(base + arguments + ["--format", format], environment: environment)
                #expect(status == 0, "\(output)")
                for secret in secrets { #expect(!output.contains(secret), "\(format): \(secret) printed:\n\(output)") }
                #expect(output.contains("[redacted]"), "\(output)")
                if format == "table" {
                    let line = output.split(separator: "\n").first { $0.hasPrefix("sasl.password ") }.map(String.init) ?? ""
                    #expect(line.contains("[redacted]") && line.hasSuffix(source), "\(output)")
                    #expect(output.contains("sasl.username") && output.contains("offers"), "\(output)")
                }
            }
        }

        // Every option of run is listed (the list is ArgumentParser's own: it cannot drift).
        let (_, help) = try await CommandLine.run(["run", "--help"])
        let (status, table) = try await CommandLine.run(base)
        #expect(status == 0, "\(table)")
        let rows = Set(table.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
        // Each option's line starts with two spaces and its names (`  -X, --kafka-property <key=value>`).
        let helpOptions = Set(help.split(separator: "\n").filter { $0.hasPrefix("  -") }.compactMap { line in
            line.split(whereSeparator: { " ,".contains($0) }).first { $0.hasPrefix("--") }.map(String.init)
        }).subtracting(["--help"])
        #expect(helpOptions.count > 30, "\(help)")
        #expect(helpOptions.subtracting(rows).subtracting(["--kafka-property"]) == [], "missing from config print:\n\(table)")
    }

    @Test("an unknown YAML key and an unknown OFFER_WORKER_ variable are problems, with the likely name")
    func unknownNames() async throws {
        let offers = try Self.offersFile()
        let file = try Self.yaml("groupid: offers\nmetrics-prot: 9100\nkafak:\n  acks: all\n")
        defer {
            try? FileManager.default.removeItem(at: offers)
            try? FileManager.default.removeItem(at: file)
        }
        let (status, output) = try await CommandLine.run(
            ["run", "--offers", offers.path, "--bootstrap-servers", "127.0.0.1:1", "--config", file.path],
            environment: ["OFFER_WORKER_GROUPID": "x", "OFFER_WORKER_SHUTDOWN_TIMEOUT_SECONDS": "5", "OFFER_WORKER_KAFKA_CLIENT_ID": "fine"])
        #expect(status == 1, "\(output)")
        #expect(Self.problems(output) == [
            "OFFER_WORKER_GROUPID: unknown variable (did you mean 'OFFER_WORKER_GROUP_ID'?)",
            "OFFER_WORKER_SHUTDOWN_TIMEOUT_SECONDS: unknown variable",
            "\(file.path): groupid: unknown option (did you mean 'group-id'?)",
            "\(file.path): metrics-prot: unknown option (did you mean 'metrics-port'?)",
            "\(file.path): kafak: unknown option (did you mean 'kafka'?)",
        ], "\(output)")

        // A key of another command's option is not a mistake: one file can serve every command.
        let shared = try Self.yaml("partitions: 2\noutput: what-if.jsonl\nbaseline-offers: old.json\n")
        defer { try? FileManager.default.removeItem(at: shared) }
        let (printStatus, printed) = try await CommandLine.run(["config", "print", "--offers", offers.path, "--bootstrap-servers", "127.0.0.1:1", "--config", shared.path])
        #expect(printStatus == 0, "\(printed)")
    }

    @Test("a bad value from the environment and from the file are reported naming their source, with a bad flag, in one run; every command reads them")
    func badValuesNameTheirSource() async throws {
        let offers = try Self.offersFile()
        let file = try Self.yaml("max-batch-size: lots\nlog-format: xml\nembedded: maybe\ngroup-id: [a, b]\n")
        defer {
            try? FileManager.default.removeItem(at: offers)
            try? FileManager.default.removeItem(at: file)
        }
        let start = ContinuousClock.now
        let (status, output) = try await CommandLine.run(
            ["run", "--offers", offers.path, "--bootstrap-servers", "127.0.0.1:1", "--config", file.path, "--commit-interval-ms", "0", "--bogus"],
            environment: ["OFFER_WORKER_METRICS_PORT": "70000", "OFFER_WORKER_ALLOW_AUTO_CREATE_TOPICS": "sometimes"])
        #expect(status == 1, "\(output)")
        #expect(ContinuousClock.now - start < .seconds(10), "nothing waits for a broker")
        #expect(Self.problems(output) == [
            "--bogus: unknown option",
            "\(file.path): group-id: expected a single value",
            "OFFER_WORKER_ALLOW_AUTO_CREATE_TOPICS=sometimes: expected true or false",
            "\(file.path): embedded: expected true or false",
            "\(file.path): log-format: must be one of text, json (got 'xml')",
            "OFFER_WORKER_METRICS_PORT=70000: must be between 0 and 65535 (got 70000)",
            "\(file.path): max-batch-size: must be a whole number between 1 and 100000 (got 'lots')",
            "--commit-interval-ms must be between 1 and 60000 (got 0)",
        ], "\(output)")

        // Without a command-line mistake, the same problems come from the command's own check.
        let (quietStatus, quietOutput) = try await CommandLine.run(
            ["run", "--offers", offers.path, "--bootstrap-servers", "127.0.0.1:1"],
            environment: ["OFFER_WORKER_METRICS_PORT": "70000", "OFFER_WORKER_GUARANTEE": "exactly-once"])
        #expect(quietStatus == 1)
        #expect(Self.problems(quietOutput) == [
            "OFFER_WORKER_METRICS_PORT=70000: must be between 0 and 65535 (got 70000)",
            // A problem relating options keeps its wording, the source added.
            "--guarantee exactly-once needs --transactional-id (stable per pod, unique in the group, for example the pod name) (--guarantee from OFFER_WORKER_GUARANTEE)",
        ], "\(quietOutput)")

        // Every command goes through the same sources.
        let (demoStatus, demoOutput) = try await CommandLine.run(["demo"], environment: ["OFFER_WORKER_PARTITIONS": "0"])
        #expect(demoStatus == 1)
        #expect(Self.problems(demoOutput) == ["OFFER_WORKER_PARTITIONS=0: must be between 1 and 1000 (got 0)"], "\(demoOutput)")
        let missing = "/nonexistent/offer-worker.yaml"
        let (replayStatus, replayOutput) = try await CommandLine.run(["replay", "--input", "r.jsonl", "--offers", offers.path],
                                                                      environment: ["OFFER_WORKER_CONFIG": missing])
        #expect(replayStatus == 1)
        #expect(Self.problems(replayOutput).first == "OFFER_WORKER_CONFIG=\(missing): cannot read the configuration file", "\(replayOutput)")
    }
}
