// swift-tools-version:6.1
import PackageDescription

// Dependency direction (each arrow is "is used by"):
//
//   CRdKafka ─▶ Kafka ─────────┐
//                              ├─▶ OfferWorker ─▶ OfferWorkerDemo ─▶ offer-worker (CLI)
//   OfferEngine (pure logic) ──┘
//
// OfferEngine knows nothing of Kafka; Kafka knows nothing of offers.
// mimalloc (Debian: libmimalloc-dev) replaces the C library's malloc for the whole process:
// the worker allocates and frees millions of small objects a second on two threads, and
// glibc's allocator was a fifth of the processing loop's CPU (README, "Memory allocator").
// Linked by `offer-worker`, and by the benchmark for every run it makes.
let mimalloc: LinkerSetting = .linkedLibrary("mimalloc", .when(platforms: [.linux]))

let package = Package(
    name: "offer-worker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "offer-worker", targets: ["OfferWorkerCLI"]),
        .library(name: "OfferEngine", targets: ["OfferEngine"]),
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "OfferWorker", targets: ["OfferWorker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // librdkafka from the system (Debian: librdkafka-dev), including the mock cluster API.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // Swift wrapper over librdkafka: producer, consumer, admin, embedded mock cluster.
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Pure offer logic: event models, offers, display criteria, evaluation, mutations.
        .target(
            name: "OfferEngine",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The worker: wires the offer engine to Kafka topics.
        .target(
            name: "OfferWorker",
            dependencies: [
                "Kafka",
                "OfferEngine",
                "EventWire",
                // SHA-256 for the child span ids of propagated trace context (TraceContext).
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The end-to-end demo on the embedded broker, with its sample offers and carts.
        .target(
            name: "OfferWorkerDemo",
            dependencies: [
                "OfferWorker", "Kafka", "OfferEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Samples")]
        ),
        // Argument parsing only.
        .executableTarget(
            name: "OfferWorkerCLI",
            dependencies: [
                "OfferWorker",
                "OfferWorkerDemo",
                "OfferEngine",
                "Kafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The configuration file (`--config FILE`) and `config print --format yaml`.
                .product(name: "Yams", package: "Yams"),
            ],
            linkerSettings: [mimalloc]
        ),
        // Carts evaluated per second against catalogs of 10 to 10,000 offers:
        // `swift run -c release OfferEngineBenchmark`.
        .executableTarget(name: "OfferEngineBenchmark", dependencies: ["OfferEngine"]),
        // The benchmark's ceiling: a plain librdkafka consume → produce loop in C.
        .target(
            name: "CKafkaCeiling",
            linkerSettings: [.linkedLibrary("rdkafka"), mimalloc]
        ),
        // The worker against the C ceiling and the Swift wrapper's own passthrough, on the
        // embedded broker, plus the decode → evaluate → encode path alone:
        // `swift build -c release --product OfferWorkerBenchmark && .build/release/OfferWorkerBenchmark`.
        .executableTarget(
            name: "OfferWorkerBenchmark",
            dependencies: [
                "OfferWorker", "Kafka", "OfferEngine", "EventWire", "CKafkaCeiling",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The allocator `offer-worker` ships with, for every run the benchmark makes (the
            // C ceiling's included), so the worker is measured as it runs in production.
            linkerSettings: [mimalloc]
        ),
        // The hot-path JSON codec for the worker's events, byte-for-byte the wire format of
        // OfferEngine's EventCodec without Foundation.
        // Optimized even in debug builds: the differential fuzz of its tests runs a
        // million cases within the time of a debug test run.
        .target(name: "EventWire", dependencies: ["OfferEngine"], swiftSettings: [.unsafeFlags(["-O"])]),
        .testTarget(name: "OfferEngineTests", dependencies: ["OfferEngine"]),
        .testTarget(name: "EventWireTests", dependencies: ["EventWire", "OfferEngine"], swiftSettings: [.unsafeFlags(["-O"])]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka"]),
        .testTarget(
            name: "OfferWorkerIntegrationTests",
            dependencies: [
                "OfferWorker", "Kafka", "OfferEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // DeploymentManifestTests parse deploy/ (Kubernetes, docker-compose).
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ]
)
