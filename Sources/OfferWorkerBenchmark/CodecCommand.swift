import EventWire
import Foundation
import OfferEngine

/// `OfferWorkerBenchmark codec [seconds] [decode|encode]`: the hot-path codec alone, on one thread — decoding
/// the issue's `cart.updated` events and encoding the `offer.presented` events the engine
/// makes of them with a 100-offer catalog — in CPU nanoseconds per event. For before/after
/// comparisons of EventWire changes, whose share of the standalone path is too small to
/// see through the engine's noise.
enum CodecCommand {
    static func run(_ arguments: [String] = []) throws {
        let budget = arguments.first.flatMap(Double.init) ?? 2
        // `decode` or `encode` times only that (for profiling); both by default.
        let only = arguments.dropFirst().first
        let events = Workload.cartEvents(carts: 2_000, versions: Benchmark.versions, prefix: "evt", spacingMilliseconds: 240)
        let values = events.map { HotCodec.encode($0) }
        let wire = WireCodec()
        // The outputs the engine makes of the stream, to encode.
        let engine = OfferEngine(catalog: try Workload.catalog(offers: 100))
        var sessions: [String: CartSession] = [:]
        var presented: [OfferPresented] = []
        for event in events {
            var session = sessions[event.cartId]
            presented += engine.cartUpdated(event, session: &session)
            sessions[event.cartId] = session
        }

        var checksum = 0
        let (decodeSeconds, decodePasses) = repeatFor(only == "encode" ? 0 : budget) {
            for value in values {
                let cart = try! wire.decodeCartUpdated(value)
                checksum &+= cart.lines.count
            }
        }
        let decoded = decodePasses * values.count
        var bytes = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        let (encodeSeconds, encodePasses) = repeatFor(only == "decode" ? 0 : budget) {
            for event in presented {
                buffer.removeAll(keepingCapacity: true)
                wire.encode(event, into: &buffer)
                bytes &+= buffer.count
            }
        }
        let encoded = encodePasses * presented.count
        let meanInput = Double(values.reduce(0) { $0 + $1.count }) / Double(values.count)
        print(String(
            format: "decode cart.updated: %.0f ns/event (%d events, mean %.0f bytes); encode offer.presented: %.0f ns/event (%d events, mean %.0f bytes) [%d]",
            decodeSeconds * 1e9 / Double(decoded), decoded, meanInput, encodeSeconds * 1e9 / Double(encoded), encoded,
            Double(bytes) / Double(max(encoded + presented.count, 1)), checksum & 1))
    }

    /// Runs `body` once to warm up, then until `budget` seconds of the thread's CPU are
    /// spent: the CPU seconds and the passes measured.
    private static func repeatFor(_ budget: Double, _ body: () -> Void) -> (seconds: Double, passes: Int) {
        body()
        let start = threadCPUSeconds()
        var spent = 0.0
        var passes = 0
        repeat {
            body()
            passes += 1
            spent = threadCPUSeconds() - start
        } while spent < budget
        return (spent, passes)
    }
}
