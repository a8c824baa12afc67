// The offer worker against the Kafka work it does, in one run on the embedded broker:
//
//   swift build -c release --product OfferWorkerBenchmark && .build/release/OfferWorkerBenchmark
//
// Prints, each next to its target: the C librdkafka ceiling (a pipelined consume → produce
// loop), the Swift wrapper's own passthrough, the worker on the workload with 100 and
// 1,000 offers (events/s, ratio to the ceiling, CPU µs per event), decode → evaluate → encode
// alone on one thread, and the worker's latency at half its rate, peak memory with 100,000
// live carts and changelog size. Exit status 0 even when a target is missed (the table says
// MISSED), 1 on errors. Not part of the test suite; about two minutes on two cores.
//
// `OfferWorkerBenchmark standalone` runs only what needs no broker (decode → evaluate →
// encode, and the restore of 100,000 carts), in seconds: for profiling and quick comparisons.
//
// `OfferWorkerBenchmark latency <rate> [partitions] [name=value ...]` runs only the latency
// measurement, at `rate` cart events/s, on `partitions` partitions (32 by default), with extra
// librdkafka properties for the worker (experiments).
//
// `OfferWorkerBenchmark worker <offers> [runs] [name=value ...]` runs only the worker's
// throughput run, `runs` times (3 by default), with extra librdkafka properties for the
// worker: for before/after comparisons of the processing loop and of consumer settings.
//
// `OfferWorkerBenchmark loops [runs]` runs only the C ceiling and the Swift passthrough,
// alternately, `runs` times each (3 by default).
//
// `OfferWorkerBenchmark codec [seconds]` times the hot-path codec alone (decode cart.updated,
// encode offer.presented), in CPU ns per event.
//
// `OfferWorkerBenchmark child …` is how the benchmark starts the runs under test (see
// ChildCommand); it is not meant to be called by hand.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    if arguments.first == "child" {
        try await ChildCommand.run(Array(arguments.dropFirst()))
    } else if arguments.first == "latency", let rate = arguments.dropFirst().first.flatMap(Double.init) {
        let partitions = arguments.dropFirst(2).first.flatMap(Int.init)
        try await Benchmark().latencyOnly(
            rate: rate, partitions: partitions ?? Benchmark.partitions, workerProperties: Array(arguments.dropFirst(partitions == nil ? 2 : 3)))
    } else if arguments.first == "worker", let offers = arguments.dropFirst().first.flatMap(Int.init) {
        let runs = arguments.dropFirst(2).first.flatMap(Int.init)
        try await Benchmark().workerOnly(offers: offers, runs: runs ?? 3, workerProperties: Array(arguments.dropFirst(runs == nil ? 2 : 3)))
    } else if arguments.first == "loops" {
        try await Benchmark().loopsOnly(runs: arguments.dropFirst().first.flatMap(Int.init) ?? 3)
    } else if arguments.first == "codec" {
        try CodecCommand.run(Array(arguments.dropFirst()))
    } else if arguments.first == "standalone" {
        try StandaloneCommand.run(Array(arguments.dropFirst()))
    } else {
        try await Benchmark().run()
    }
} catch {
    FileHandle.standardError.write(Data("OfferWorkerBenchmark: error: \(error)\n".utf8))
    exit(1)
}
