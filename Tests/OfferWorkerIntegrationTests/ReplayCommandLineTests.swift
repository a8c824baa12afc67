import Foundation
import Kafka
import OfferEngine
@testable import OfferWorker
import Testing

@Suite("The record and replay commands", .serialized)
struct ReplayCommandLineTests {
    @Test("replay --help explains the input, the order, the state, where outputs go and the report")
    func help() async throws {
        let (status, help) = try await CommandLine.run(["replay", "--help"])
        #expect(status == 0)
        // The help wraps lines: compare with single spaces.
        let output = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for fragment in [
            "--input <file>", "--from <earliest|offset|time>", "--offers <file>", "--baseline-offers <file>", "--output-topic-prefix <prefix>",
            "--write-live-topics", "--report <file>", "--state-from-changelog", "--quiet", "--cart-idle-seconds",
            "partitions are interleaved by", "record timestamp, ties broken by topic, partition and offset", "never written unless",
        ] {
            #expect(output.contains(fragment), "missing '\(fragment)' in:\n\(output)")
        }
        let (recordStatus, recordHelp) = try await CommandLine.run(["record", "--help"])
        #expect(recordStatus == 0)
        let record = recordHelp.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(record.contains("--topics <t1,t2>") && record.contains("no consumer group is joined"), "\(recordHelp)")
    }

    @Test("record then replay through the executable: the table on stdout, the report, the outputs, progress off with --quiet")
    func recordThenReplay() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, startWorker: false)
        try await harness.send((0..<3).map { Fixtures.cart("phone-\($0)", minute: $0, lines: [Fixtures.phoneLine]) })
        let recording = ReplaySupport.temporaryPath("cli.jsonl"), output = ReplaySupport.temporaryPath("cli-out.jsonl")
        let report = ReplaySupport.temporaryPath("cli-report.json")
        let offers = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { for path in [recording, output, report, offers.path] { try? FileManager.default.removeItem(atPath: path) } }

        let (recordStatus, recordOutput) = try await CommandLine.run([
            "record", "--bootstrap-servers", harness.cluster.bootstrapServers, "--output", recording, "--log-level", "warning",
        ])
        #expect(recordStatus == 0, "\(recordOutput)")
        #expect(recordOutput.contains("record: 3 records in"), "progress is on by default: \(recordOutput)")
        #expect(try ReplaySupport.lines(recording).count == 3)

        let (status, text) = try await CommandLine.run([
            "replay", "--input", recording, "--offers", offers.path, "--output", output, "--report", report, "--quiet", "--log-level", "warning",
        ])
        #expect(status == 0, "\(text)")
        #expect(!text.contains("replay: 3 records in"), "--quiet: \(text)")
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(rows.contains("offer presented honoured rejected expired rejected unknown rejected mismatch declined presented value"), "\(text)")
        #expect(rows.contains("pro-upgrade 3 0 0 0 0 0 EUR 2997.00"), "\(text)")
        #expect(rows.contains("case-bundle 3 0 0 0 0 0 EUR 87.00"), "\(text)")
        #expect(try ReplaySupport.lines(output).count == 6)
        let summary = try JSONDecoder().decode(WhatIfSummary.self, from: ReplaySupport.bytes(report))
        #expect(summary.replay.figures(of: "pro-upgrade")?.presentations == 3)
        try await harness.stop()
    }

    @Test("--input - replays a recording piped to standard input: the same output bytes as from the file, and no temporary file left")
    func standardInput() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, startWorker: false)
        try await harness.send((0..<3).map { Fixtures.cart("phone-\($0)", minute: $0, lines: [Fixtures.phoneLine]) })
        let recording = ReplaySupport.temporaryPath("stdin.jsonl")
        let fromFile = ReplaySupport.temporaryPath("from-file.jsonl"), fromPipe = ReplaySupport.temporaryPath("from-pipe.jsonl")
        let offers = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { for path in [recording, fromFile, fromPipe, offers.path] { try? FileManager.default.removeItem(atPath: path) } }
        _ = try await ReplaySupport.record(kafka: harness.kafka, to: recording)
        try await harness.stop()
        func spools() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
                .filter { $0.hasPrefix("offer-worker-replay-stdin-") })
        }
        let spoolsBefore = try spools()

        let (fileStatus, fileText) = try await CommandLine.run(["replay", "--input", recording, "--offers", offers.path, "--output", fromFile, "--quiet"])
        #expect(fileStatus == 0, "\(fileText)")
        let (pipeStatus, pipeText) = try await CommandLine.run(
            ["replay", "--input", "-", "--offers", offers.path, "--output", fromPipe, "--quiet"], standardInput: try ReplaySupport.bytes(recording))
        #expect(pipeStatus == 0, "\(pipeText)")
        #expect(try ReplaySupport.lines(fromPipe).count == 6)
        #expect(try ReplaySupport.bytes(fromPipe) == ReplaySupport.bytes(fromFile))
        #expect(pipeText == fileText, "the same report table")
        #expect(try spools() == spoolsBefore, "the copy of standard input is deleted")

        // Outputs to standard output too: the outputs, then (on standard error) the table.
        let (bothStatus, both) = try await CommandLine.run(
            ["replay", "--input", "-", "--offers", offers.path, "--output", "-", "--quiet"], standardInput: try ReplaySupport.bytes(recording))
        #expect(bothStatus == 0, "\(both)")
        #expect(both.hasPrefix(String(decoding: try ReplaySupport.bytes(fromFile), as: UTF8.self)), "\(both)")

        // A bad line is reported as standard input's, with its number.
        let (badStatus, bad) = try await CommandLine.run(
            ["replay", "--input", "-", "--offers", offers.path, "--quiet"], standardInput: try ReplaySupport.bytes(recording) + Data("{\"topic\": 1}\n".utf8))
        #expect(badStatus != 0)
        #expect(bad.contains("standard input: line 4"), "\(bad)")
        #expect(try spools() == spoolsBefore)
    }

    @Test("replay writes to the live output topics only with --write-live-topics, and commits no group's offsets")
    func writeLiveTopics() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, startWorker: false) { cluster in
            for topic in TopicNames().outputs { try cluster.createTopic("sandbox." + topic, partitions: 4) }
        }
        let carts = (0..<3).map { Fixtures.cart("phone-\($0)", minute: $0, lines: [Fixtures.phoneLine]) }
        try await harness.send(carts)
        let bootstrap = harness.cluster.bootstrapServers
        let offers = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        let recording = ReplaySupport.temporaryPath("live.jsonl")
        let toFile = ReplaySupport.temporaryPath("to-file.jsonl"), alongLive = ReplaySupport.temporaryPath("along-live.jsonl")
        defer { for path in [recording, toFile, alongLive, offers.path] { try? FileManager.default.removeItem(atPath: path) } }
        _ = try await ReplaySupport.record(kafka: harness.kafka, to: recording)

        let inspector = try KafkaConsumer(configuration: harness.kafka.merging(["group.id": "replay-cli-inspector"]))
        func ends(_ topics: [String]) async throws -> [String: Int64] {
            var ends: [String: Int64] = [:]
            for topic in topics {
                for partition in Int32(0)..<4 { ends[topic, default: 0] += try await inspector.watermarks(of: TopicPartition(topic: topic, partition: partition)).high }
            }
            return ends
        }
        let live = harness.topics.outputs + [harness.topics.changelog]
        let nothing = Dictionary(uniqueKeysWithValues: live.map { ($0, Int64(0)) })
        let common = ["--offers", offers.path, "--quiet", "--log-level", "warning"]

        // Without the flag: to a file (from the topics, then from the recording) or to sandbox
        // topics, never to the live ones.
        for arguments in [
            ["replay", "--bootstrap-servers", bootstrap, "--output", toFile],
            ["replay", "--bootstrap-servers", bootstrap, "--input", recording],
            ["replay", "--bootstrap-servers", bootstrap, "--output-topic-prefix", "sandbox."],
        ] {
            let (status, output) = try await CommandLine.run(arguments + common)
            #expect(status == 0, "\(arguments): \(output)")
            #expect(try await ends(live) == nothing, "\(arguments) wrote to the live topics")
        }
        #expect(try await ends(harness.topics.outputs.map { "sandbox." + $0 })["sandbox.offer.presented"] == 6)

        // With it: exactly the replay's outputs, on the live topics.
        let (status, output) = try await CommandLine.run(["replay", "--bootstrap-servers", bootstrap, "--input", recording, "--write-live-topics", "--output", alongLive] + common)
        #expect(status == 0, "\(output)")
        var expected = nothing
        expected[harness.topics.offerPresented] = 6
        #expect(try await ends(live) == expected)
        let published = try await harness.read(harness.topics.offerPresented, count: 6).map(ReplaySupport.Published.init)
        #expect(Set(published) == Set(try ReplaySupport.lines(alongLive).map(ReplaySupport.Published.init)))
        #expect(try ReplaySupport.bytes(alongLive) == ReplaySupport.bytes(toFile), "a file replay and a topic replay of the same records agree")

        // No group committed anything: not the replay's reader, not the worker's.
        let partitions = harness.topics.inputs.flatMap { topic in (Int32(0)..<4).map { TopicPartition(topic: topic, partition: $0) } }
        for group in [TopicRangeReader.groupId, "offer-worker", harness.configuration.groupId] {
            let consumer = try KafkaConsumer(configuration: harness.kafka.merging(["group.id": group]))
            #expect(try await consumer.committed(partitions).isEmpty, "\(group) committed offsets")
            await consumer.close()
        }
        await inspector.close()
        try await harness.stop()
    }

    @Test("sandbox topics missing on the embedded broker are refused at once, pointing to --output")
    func sandboxOnEmbeddedBroker() async throws {
        let cluster = try EmbeddedKafkaCluster.withWorkerTopics(TopicNames(), partitions: 2)
        let offers = try CommandLine.temporaryFile(String(decoding: try JSONEncoder().encode(["offers": Fixtures.offers]), as: UTF8.self))
        defer { try? FileManager.default.removeItem(at: offers) }
        let start = ContinuousClock.now
        let (status, output) = try await CommandLine.run([
            "replay", "--bootstrap-servers", cluster.bootstrapServers, "--offers", offers.path, "--output-topic-prefix", "sandbox.", "--quiet",
        ])
        #expect(status == 1, "\(output)")
        #expect(ContinuousClock.now - start < .seconds(15), "refused at once, not after a CreateTopics timeout")
        #expect(output.contains("sandbox topic(s) sandbox.offer.presented, sandbox.cart.mutation, sandbox.offer.rejected, sandbox.offer-worker.dlq do not exist, and the embedded broker cannot create topics once started: write the outputs to a file (--output FILE) instead"), "\(output)")
    }

    @Test("a replay that cannot run says every reason at once")
    func refused() async throws {
        let (status, output) = try await CommandLine.run([
            "replay", "--input", "/nonexistent.jsonl", "--from", "yesterday", "--offers", "/nonexistent-offers.json",
            "--output-topic-prefix", "", "--max-offers-per-cart", "0",
        ])
        #expect(status != 0)
        for fragment in [
            "--from and --to select a range of topics; a recording (--input) is replayed whole",
            "--max-offers-per-cart must be between 1 and 100 (got 0)",
            "/nonexistent-offers.json",
            "--output-topic-prefix needs Kafka",
            "--output-topic-prefix must not be empty",
        ] {
            #expect(output.contains(fragment), "missing '\(fragment)' in:\n\(output)")
        }
    }
}
