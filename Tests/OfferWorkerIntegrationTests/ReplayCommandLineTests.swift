import Foundation
import Kafka
import OfferEngine
import OfferWorker
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
