import Foundation
import Kafka
import OfferWorker
import Testing

/// Runs the built `offer-worker` executable (the test command builds it first).
enum CommandLine {
    static let executable = SchemaCheck.repositoryRoot.appendingPathComponent(".build/debug/offer-worker")

    /// Runs to completion; returns the exit status and stdout + stderr.
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "KAFKA_BOOTSTRAP_SERVERS")
        process.environment = environment
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
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
    func demo() throws {
        let (status, output) = try CommandLine.run(["demo"])
        #expect(status == 0, "demo failed:\n\(output)")
        #expect(output.contains("offer.presented  pro-upgrade [upsell]: replace line-1 with 1 × phone-pro-128 @ 999.00"))
        #expect(output.contains("cart.mutation    cart-1001 pro-upgrade [upsell] on cart v1: remove line-1; add 1 × phone-pro-128 @ 999.00"))
        #expect(output.contains("cart.mutation    cart-1002 protect-bundle [crossSell] on cart v1: add 1 × phone-case-black @ 29.00; add 1 × screen-guard-2pk @ 14.50"))
        #expect(output.contains("expired") && output.contains("cartMismatch"))
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
        broker.waitUntilExit()
        #expect(broker.terminationStatus == 0)
    }

    @Test("offers validate reports every problem with its path and exits non-zero")
    func validateOffers() throws {
        let bad = try CommandLine.temporaryFile(#"""
        {"offers":[
          {"offerId":"ok","kind":"crossSell","status":"active","displayCriteria":{"subtotal":{"gte":"1.00"}},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]},
          {"offerId":"bad","kind":"crossSell","status":"active","displayCriteria":{"all":[{"cartContains":{"tags":["a"]}},{"subtotal":{"gte":"ten"}}]},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]},
          {"offerId":"up","kind":"upsell","status":"live","displayCriteria":{"subtotal":{"gte":"1.00"}},"items":[]}
        ]}
        """#)
        defer { try? FileManager.default.removeItem(at: bad) }
        let (status, output) = try CommandLine.run(["offers", "validate", bad.path])
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
        let (yamlStatus, yamlOutput) = try CommandLine.run(["offers", "validate", yaml.path])
        #expect(yamlStatus != 0)
        #expect(yamlOutput.contains("offers[0].items[0].unitPrice: not a decimal string"), "\(yamlOutput)")

        let good = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: good) }
        let (goodStatus, goodOutput) = try CommandLine.run(["offers", "validate", good.path])
        #expect(goodStatus == 0)
        #expect(goodOutput.contains("3 offer(s), valid"))
    }
}
