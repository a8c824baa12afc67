import Foundation
import Kafka
import OfferWorker
import Testing

/// Runs the built `offer-worker` executable (the test command builds it first).
enum CommandLine {
    static let executable = SchemaCheck.repositoryRoot.appendingPathComponent(".build/debug/offer-worker")

    /// Runs to completion; returns the exit status and stdout + stderr.
    /// Runs off Swift's cooperative pool: a blocked pool thread would starve every other
    /// suite running in parallel.
    /// `standardInput`, when given, is written to the process through a pipe.
    /// `environment` is added to the test's own, from which `KAFKA_BOOTSTRAP_SERVERS` and
    /// the worker's `OFFER_WORKER_*` options are taken out, so only what a test sets applies.
    static func run(_ arguments: [String], standardInput: Data? = nil, environment: [String: String] = [:]) async throws -> (Int32, String) {
        try await offPool { try runBlocking(arguments, standardInput: standardInput, environment: environment) }
    }

    private static func runBlocking(_ arguments: [String], standardInput: Data?, environment extra: [String: String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { name, _ in
            !name.hasPrefix("OFFER_WORKER_") || name == "OFFER_WORKER_SKIP_TANSU"
        }
        environment.removeValue(forKey: "KAFKA_BOOTSTRAP_SERVERS")
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        let input = standardInput.map { _ in Pipe() }
        if let input { process.standardInput = input }
        try process.run()
        if let input, let standardInput {
            // Written from another thread: the pipe holds only so much until the process reads.
            let writer = input.fileHandleForWriting
            Thread {
                try? writer.write(contentsOf: standardInput)
                try? writer.close()
            }.start()
        }
        let text = String(decoding: output.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    static func temporaryFile(_ contents: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("offer-worker-\(UUID()).json")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}

@Suite("The offer-worker commands", .serialized)
struct CommandLineTests {
    @Test("demo (the README's first command) shows an upsell and a cross-sell end to end and exits 0")
    func demo() async throws {
        let (status, output) = try await CommandLine.run(["demo"])
        #expect(status == 0, "demo failed:\n\(output)")
        #expect(output.contains("offer.presented  pro-upgrade [upsell]: replace line-1 with 1 × phone-pro-128 @ 999.00"))
        #expect(output.contains("cart.mutation    cart-1001 pro-upgrade [upsell] on cart v1: remove line-1; add 1 × phone-pro-128 @ 999.00"))
        #expect(output.contains("cart.mutation    cart-1002 protect-bundle [crossSell] on cart v1: add 1 × phone-case-black @ 29.00; add 1 × screen-guard-2pk @ 14.50"))
        #expect(output.contains("expired") && output.contains("cartMismatch"))
        #expect(output.contains("offer.presented  protect-bundle-clear [crossSell]: add 1 × phone-case-clear @ 29.00"), "the demo shows the out-of-stock fallback")
    }

    @Test("broker creates the product's topics, publishes its address and stops on SIGTERM")
    func broker() async throws {
        let addressFile = FileManager.default.temporaryDirectory.appendingPathComponent("bootstrap-\(UUID())")
        defer { try? FileManager.default.removeItem(at: addressFile) }
        let broker = Process()
        broker.executableURL = CommandLine.executable
        broker.arguments = ["broker", "--partitions", "2", "--bootstrap-file", addressFile.path, "--log-level", "warning"]
        broker.standardOutput = Pipe()
        try broker.run()
        defer { if broker.isRunning { broker.terminate() } }

        var address: String?
        let deadline = ContinuousClock.now + .seconds(20)
        while address == nil && ContinuousClock.now < deadline {
            address = (try? String(contentsOf: addressFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if address?.isEmpty != false { address = nil; try await Task.sleep(for: .milliseconds(50)) }
        }
        let bootstrap = try #require(address, "the broker wrote no bootstrap address")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]))
        let counts = try await admin.partitionCounts()
        for topic in TopicNames().all { #expect(counts[topic] == 2, "topic \(topic)") }

        kill(broker.processIdentifier, SIGTERM)
        try await offPool { broker.waitUntilExit() }
        #expect(broker.terminationStatus == 0)
    }

    @Test("every mistake of a command line is reported in one run: unknown flags (with the likely name), bad numbers and names, refused Kafka properties; nothing is connected to")
    func everyBadFlagInOneRun() async throws {
        let offers = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: offers) }
        let start = ContinuousClock.now
        let (status, output) = try await CommandLine.run([
            "run", "--bootstrap-servers", "127.0.0.1:1", "--offers", offers.path,
            "--bogus", "1", "--comit-interval-ms", "5", "--commit-interval-ms", "abc", "--metrics-port", "70000",
            "-X", "acks=banana", "--log-level", "loud", "--guarantee", "twice", "--max-offers-per-cart=-3", "--log-format",
        ])
        #expect(status == 1, "\(output)")
        #expect(ContinuousClock.now - start < .seconds(10), "nothing waits for a broker")
        let problems = output.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
        #expect(problems == [
            "--bogus: unknown option",
            "--comit-interval-ms: unknown option (did you mean '--commit-interval-ms'?)",
            "--log-format needs a value",
            "--log-level must be one of trace, debug, info, notice, warning, error, critical (got 'loud')",
            "--metrics-port must be between 0 and 65535 (got 70000)",
            "--max-offers-per-cart must be between 1 and 100 (got -3)",
            "--guarantee must be one of at-least-once, exactly-once (got 'twice')",
            "--commit-interval-ms must be a whole number between 1 and 60000 (got 'abc')",
            #"Kafka property acks refused: Invalid value for configuration property "request.required.acks""#,
        ], "\(output)")
        #expect(output.hasPrefix("Error: invalid configuration:\n"), "\(output)")
        #expect(!output.contains("Usage"), "\(output)")

        // Every command goes through the same check.
        for (arguments, expected) in [
            (["replay", "--input", "r.jsonl", "--ofers", "o.json", "--max-cart-lines", "0", "--log-format", "xml"],
             ["--ofers: unknown option (did you mean '--offers'?)", "--log-format must be one of text, json (got 'xml')",
              "--max-cart-lines must be between 1 and 100000 (got 0)", "give the catalog to replay with: --offers FILE"]),
            (["record", "--bootstrap-servers", "127.0.0.1:1", "--topic", "cart.updated", "--from", "yesterday"],
             ["--topic: unknown option (did you mean '--topics'?)", "give the recording file: --output FILE (- for standard output)",
              "--from must be earliest, latest, an offset or an RFC 3339 time such as 2026-11-24T10:00:00Z (got 'yesterday')"]),
            (["broker", "--partition", "2", "--partitions", "0"],
             ["--partition: unknown option (did you mean '--partitions'?)", "--partitions must be between 1 and 1000 (got 0)"]),
            (["demo", "--x", "--partitions", "lots"],
             ["--x: unknown option", "--partitions must be a whole number between 1 and 1000 (got 'lots')"]),
            (["offers", "validate", "--strict", offers.path], ["--strict: unknown option"]),
            (["replya", "--input", "r.jsonl"], ["'replya' is not a command (did you mean 'replay'? commands: run, broker, demo, offers, record, replay, config)"]),
        ] {
            let (status, output) = try await CommandLine.run(arguments)
            #expect(status == 1, "\(arguments): \(output)")
            let problems = output.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
            #expect(problems == expected, "\(arguments): \(output)")
        }

        // Help is still help.
        let (helpStatus, help) = try await CommandLine.run(["run", "--help"])
        #expect(helpStatus == 0 && help.contains("--max-offers-per-cart") && help.contains("--commit-interval-ms"), "\(help)")
    }

    @Test("a custom --state-topic missing on the embedded broker is refused at once, naming the command that creates it; with the topic the worker starts")
    func stateTopicOnEmbeddedBroker() async throws {
        let offers = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: offers) }
        let cluster = try EmbeddedKafkaCluster.withWorkerTopics(TopicNames(), partitions: 2)
        let start = ContinuousClock.now
        let (status, output) = try await CommandLine.run([
            "run", "--bootstrap-servers", cluster.bootstrapServers, "--offers", offers.path, "--state-topic", "shop.cart-state",
        ])
        #expect(status == 1, "\(output)")
        #expect(ContinuousClock.now - start < .seconds(15), "refused at once, not after a CreateTopics timeout")
        #expect(output.contains("the state topic shop.cart-state does not exist, and the embedded broker cannot create topics once started"), "\(output)")
        #expect(output.contains("offer-worker broker --state-topic shop.cart-state"), "\(output)")
        #expect(!output.contains("creating the state topic") && !output.contains("_TIMED_OUT"), "\(output)")

        // The fix it names: a broker started with the topic (what `broker --state-topic` does).
        var names = TopicNames()
        names.changelog = "shop.cart-state"
        let fixed = try EmbeddedKafkaCluster.withWorkerTopics(names, partitions: 2)
        let worker = Process()
        worker.executableURL = CommandLine.executable
        worker.arguments = ["run", "--bootstrap-servers", fixed.bootstrapServers, "--offers", offers.path, "--state-topic", "shop.cart-state"]
        let pipe = Pipe()
        worker.standardOutput = pipe
        worker.standardError = pipe
        let collected = OutputCollector(pipe.fileHandleForReading)
        try worker.run()
        defer { if worker.isRunning { worker.terminate() } }
        let deadline = ContinuousClock.now + .seconds(30)
        while worker.isRunning && !collected.text().contains("offer worker started: consuming") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(collected.text().contains("offer worker started: consuming"), "\(collected.text())")
        kill(worker.processIdentifier, SIGTERM)
        try await offPool { worker.waitUntilExit() }
        #expect(worker.terminationStatus == 0, "\(collected.text())")
    }

    @Test("offers validate reports every problem with its path and exits non-zero")
    func validateOffers() async throws {
        let bad = try CommandLine.temporaryFile(#"""
        {"offers":[
          {"offerId":"ok","kind":"crossSell","status":"active","currency":"EUR","displayCriteria":{"subtotal":{"gte":"1.00"}},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]},
          {"offerId":"bad","kind":"crossSell","status":"active","currency":"EUR","displayCriteria":{"all":[{"cartContains":{"tags":["a"]}},{"subtotal":{"gte":"ten"}}]},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]},
          {"offerId":"up","kind":"upsell","status":"live","displayCriteria":{"subtotal":{"gte":"1.00"}},"items":[]}
        ]}
        """#)
        defer { try? FileManager.default.removeItem(at: bad) }
        let (status, output) = try await CommandLine.run(["offers", "validate", bad.path])
        #expect(status != 0)
        #expect(output.contains("offers[1].displayCriteria.all[1].subtotal.gte: not a decimal string: 'ten'"), "\(output)")
        #expect(output.contains("offers[2].status: unknown value 'live' (expected active, paused, archived)"), "\(output)")

        let yaml = FileManager.default.temporaryDirectory.appendingPathComponent("offers-\(UUID()).yml")
        try """
        offers:
          - offerId: yaml-offer
            kind: crossSell
            status: active
            displayCriteria: { subtotal: { gte: "10.00" } }
            items: [{ productId: p, variantId: v, quantity: 1, unitPrice: 9.5 }]
        """.write(to: yaml, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: yaml) }
        let (yamlStatus, yamlOutput) = try await CommandLine.run(["offers", "validate", yaml.path])
        #expect(yamlStatus != 0)
        #expect(yamlOutput.contains("offers[0].items[0].unitPrice: not a decimal string"), "\(yamlOutput)")

        let good = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: good) }
        let (goodStatus, goodOutput) = try await CommandLine.run(["offers", "validate", good.path])
        #expect(goodStatus == 0)
        #expect(goodOutput.contains("3 offer(s), valid"))
    }

    @Test("offers validate reports every structural and semantic problem of every offer in one run (26 here)")
    func validateReportsEverything() async throws {
        let catalog = try CommandLine.temporaryFile(#"""
        {"offers":[
          {"offerId":"a","kind":"crossSell","status":"active","currancy":"EUR","priority":"high","ttlSeconds":0,
           "displayCriteria":{"all":[{"schedule":{"timeZone":"Mars/Base","daysOfWeek":["mon"]}},{"subtotal":{"gte":"ten"}}]},
           "items":[{"productId":"p","variantId":"v","quantity":"matchTrigger","unitPrice":"1.00"}]},
          {"offerId":"a","kind":"upsell","status":"live","currency":"JPY","holdoutPercent":"2.555","endAt":"2020-01-01T00:00:00Z",
           "displayCriteria":{"subtotal":{"gte":"1"}},
           "items":[{"productId":"p","variantId":"v","quantity":0,"unitPrice":"999.50","compareAtprice":"1"}]},
          {"offerId":"","kind":"downsell","status":"active","version":0,"maxPresentationsPerCart":0,
           "displayCriteria":{"cartContains":{"productID":["x"],"tags":[]}},
           "items":[{"productId":"p","variantId":"v","quantity":1,"prices":{"KWD":{"fixed":"1.2345"},"eur":{"fixed":"1"}}}]},
          {"offerId":"d","kind":"crossSell","status":"active","currency":"EUR","startsAt":"2026-12-01T00:00:00Z","endsAt":"2026-11-01T00:00:00Z",
           "displayCriteria":{"itemCount":{"gte":5,"lt":5}},"items":[]}
        ]}
        """#)
        defer { try? FileManager.default.removeItem(at: catalog) }
        let (status, output) = try await CommandLine.run(["offers", "validate", catalog.path])
        #expect(status == 1)
        let problems = output.split(separator: "\n").filter { $0.hasPrefix(catalog.path + ": offers[") }
        #expect(problems.count == 26, "\(output)")
        for fragment in [
            "offers[0].currancy: unknown field (did you mean 'currency'?)", "offers[0].priority: expected an integer",
            "offers[0].displayCriteria.all[0].schedule.timeZone: unknown IANA time zone 'Mars/Base'",
            #"offers[0].items[0].quantity: "matchTrigger" is for upsells only"#, "offers[0].items[0].unitPrice: a price needs a currency",
            "offers[1].endAt: unknown field (did you mean 'endsAt'?)", "offers[1].items[0].unitPrice: 999.50 has more decimal places than JPY allows (0)",
            "offers[1].offerId: 'a' is used by an earlier offer", "offers[2].items[0].prices.KWD.fixed: 1.2345 has more decimal places than KWD allows (3)",
            "offers[3].endsAt: must be after startsAt",
        ] {
            #expect(output.contains(fragment), "missing \(fragment) in:\n\(output)")
        }
    }

    @Test("offers validate gives the line and column of a JSON or YAML syntax error, once")
    func validateSyntaxErrors() async throws {
        let json = try CommandLine.temporaryFile("{\"offers\": [\n  {\"offerId\": \"a\",}\n]}")
        defer { try? FileManager.default.removeItem(at: json) }
        let (jsonStatus, jsonOutput) = try await CommandLine.run(["offers", "validate", json.path])
        #expect(jsonStatus == 1)
        #expect(jsonOutput == "\(json.path): line 2, column 19: not valid JSON: expected a member name in double quotes, found '}'\n", "\(jsonOutput)")

        let yaml = FileManager.default.temporaryDirectory.appendingPathComponent("offers-\(UUID()).yaml")
        try "offers:\n  - offerId: a\n    kind: [upsell\n    status: active\n".write(to: yaml, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: yaml) }
        let (yamlStatus, yamlOutput) = try await CommandLine.run(["offers", "validate", yaml.path])
        #expect(yamlStatus == 1)
        #expect(yamlOutput == "\(yaml.path): line 4, column 11: not valid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3, column 11)\n", "\(yamlOutput)")
    }
}
