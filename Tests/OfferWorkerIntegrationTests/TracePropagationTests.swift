import Kafka
import OfferEngine
import OfferWorker
import Testing

/// A W3C `traceparent` on an input reaches every kind of output on the embedded broker, as a
/// child span of the same trace; `tracestate` comes along unchanged.
@Suite("Trace propagation end to end", .serialized)
struct TracePropagationTests {
    static let state = KafkaHeader(name: "tracestate", string: "shop=checkout-7,rojo=00f067aa0ba902b7")

    /// `00-<trace>-<span>-<flags>`, one per input so each output is matched to its input.
    static func traceparent(trace: String, span: String = "00f067aa0ba902b7", flags: String = "01") -> KafkaHeader {
        KafkaHeader(name: "traceparent", string: "00-\(trace)-\(span)-\(flags)")
    }

    /// The (trace id, span id, flags) of a record's only `traceparent`.
    static func trace(of record: ConsumerRecord) throws -> (trace: String, span: String, flags: String) {
        let headers = record.headers.filter { $0.name == "traceparent" }
        try #require(headers.count == 1, "one traceparent on \(record.topic) \(record.keyString ?? "")")
        let fields = try #require(headers[0].stringValue).split(separator: "-").map(String.init)
        try #require(fields.count == 4 && fields[0] == "00")
        return (fields[1], fields[2], fields[3])
    }

    @Test("offer.presented, cart.mutation, offer.rejected and dead letters carry the input's trace as child spans")
    func everyOutputKind() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers)
        let codec = harness.codec
        let topics = harness.topics
        let cartTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let acceptTrace = "0af7651916cd43dd8448eb211c80319c"
        let rejectTrace = "11111111111111111111111111111111"
        let deadTrace = "22222222222222222222222222222222"
        let parentSpan = "00f067aa0ba902b7"

        func cart(_ cartId: String, _ headers: [KafkaHeader]) -> ProducerRecord {
            let event = Fixtures.cart(cartId, lines: [Fixtures.phoneLine])
            return ProducerRecord(topic: topics.cartUpdated, key: Array(cartId.utf8), value: codec.encode(event), headers: headers,
                                  timestamp: event.occurredAt.millisecondsSinceEpoch)
        }
        let carts = [
            cart("traced", [Self.traceparent(trace: cartTrace, span: parentSpan), Self.state]),
            cart("untraced", [Self.state]),
            cart("invalid", [Self.traceparent(trace: cartTrace, span: "0000000000000000"), Self.state]),
        ]
        let stored = try await harness.send(records: carts)
        let presented = try await harness.read(topics.offerPresented, count: 6)
        let byCart = Dictionary(grouping: presented) { $0.keyString ?? "" }
        let traced = try #require(byCart["traced"])
        #expect(traced.count == 2)
        for record in traced {
            let trace = try Self.trace(of: record)
            #expect(trace.trace == cartTrace)
            #expect(trace.span != parentSpan)
            #expect(trace.flags == "01")
            #expect(record.headers.filter { $0.name == "tracestate" } == [Self.state])
        }
        #expect(Set(try traced.map { try Self.trace(of: $0).span }).count == 2, "each output is its own span")
        // A replay of the same input record (the worker's per-record processing, offline) gives
        // the same headers, spans included.
        var replay = RecordProcessor(catalog: harness.catalog, configuration: harness.configuration)
        var replayed: [ProducerRecord] = []
        replay.process(ConsumerRecord(
            topic: topics.cartUpdated, partition: stored[0].partition, offset: stored[0].offset, key: carts[0].key,
            value: carts[0].value, headers: carts[0].headers, timestamp: carts[0].timestamp), into: &replayed)
        #expect(Set(replayed.map(\.headers)) == Set(traced.map(\.headers)))
        for cartId in ["untraced", "invalid"] {
            let records = try #require(byCart[cartId])
            #expect(records.count == 2)
            for record in records {
                #expect(!record.headers.contains { $0.name == "traceparent" || $0.name == "tracestate" }, "\(cartId) outputs carry no trace")
            }
        }

        // An acceptance honoured, one rejected and an event that cannot be used, each traced.
        let upsell = try traced.map { try codec.decode(OfferPresented.self, from: $0.value ?? []) }.first { $0.offerId == "pro-upgrade" }
        let accepted = Fixtures.accept(try #require(upsell).presentationId, cart: "traced", minute: 5, event: "acc-traced")
        let unknown = Fixtures.accept("no-such-presentation", cart: "untraced", minute: 5, event: "acc-unknown")
        _ = try await harness.send(records: [
            ProducerRecord(topic: topics.offerAccepted, key: Array("traced".utf8), value: codec.encode(accepted),
                           headers: [Self.traceparent(trace: acceptTrace, flags: "00"), Self.state], timestamp: accepted.occurredAt.millisecondsSinceEpoch),
            ProducerRecord(topic: topics.offerAccepted, key: Array("untraced".utf8), value: codec.encode(unknown),
                           headers: [Self.traceparent(trace: rejectTrace)], timestamp: unknown.occurredAt.millisecondsSinceEpoch),
            ProducerRecord(topic: topics.cartUpdated, key: Array("broken".utf8), value: Array(#"{"cartId":"broken","#.utf8),
                           headers: [Self.traceparent(trace: deadTrace), Self.state], timestamp: Fixtures.recordTimestamp),
        ])

        let mutation = try #require(try await harness.read(topics.cartMutation, count: 1).first)
        let mutationTrace = try Self.trace(of: mutation)
        #expect(mutationTrace.trace == acceptTrace)
        #expect(mutationTrace.span != parentSpan)
        #expect(mutationTrace.flags == "00", "the flags are carried unchanged")
        #expect(mutation.headers.filter { $0.name == "tracestate" } == [Self.state])

        let rejection = try #require(try await harness.read(topics.offerRejected, count: 1).first)
        let rejectionTrace = try Self.trace(of: rejection)
        #expect(rejectionTrace.trace == rejectTrace)
        #expect(rejectionTrace.span != parentSpan)
        #expect(!rejection.headers.contains { $0.name == "tracestate" }, "no tracestate in, none out")

        let deadLetter = try #require(try await harness.outputs.read(topic: topics.deadLetter, count: 1).first)
        let deadTraceFields = try Self.trace(of: deadLetter)
        #expect(deadTraceFields.trace == deadTrace)
        #expect(deadTraceFields.span != parentSpan)
        #expect(deadLetter.headers.filter { $0.name == "tracestate" } == [Self.state])
        #expect(deadLetter.header("dlq_source_topic")?.stringValue == topics.cartUpdated)
        try await harness.stop()
    }
}
