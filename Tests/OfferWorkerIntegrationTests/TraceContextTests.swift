import Kafka
import OfferEngine
@testable import OfferWorker
import Testing

/// W3C `traceparent`/`tracestate` carried from an input to its outputs: parsing, the child
/// span ids, and the worker's per-record processing. No broker needed.
@Suite("Trace context: traceparent parsing and child spans")
struct TraceContextTests {
    static let traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let parentId = "00f067aa0ba902b7"
    static let valid = "00-\(traceId)-\(parentId)-01"

    static func parse(_ text: String) -> TraceContext? { TraceContext(traceparent: Array(text.utf8)) }

    @Test("a version-00 traceparent gives its trace id, parent id and flags")
    func parsesVersionZero() throws {
        let context = try #require(Self.parse(Self.valid))
        #expect(context.traceId == Self.traceId)
        #expect(context.parentId == Self.parentId)
        #expect(context.flags == "01")
        #expect(Self.parse("00-\(Self.traceId)-\(Self.parentId)-00")?.flags == "00")
    }

    @Test("invalid traceparent values are refused", arguments: [
        "",
        "00",
        "00-\(traceId)-\(parentId)",                                   // no flags
        "00-\(traceId)-\(parentId)-01-extra",                          // version 00 has exactly 4 fields
        "00-\(traceId.uppercased())-\(parentId)-01",                   // hex is lowercase
        "00-\(traceId)-\(parentId.uppercased())-01",
        "0g-\(traceId)-\(parentId)-01",                                // not hex
        "00-\(String(traceId.dropLast()))z-\(parentId)-01",
        "ff-\(traceId)-\(parentId)-01",                                // version ff is never valid
        "00-00000000000000000000000000000000-\(parentId)-01",          // all-zero trace id
        "00-\(traceId)-0000000000000000-01",                           // all-zero parent id
        "00_\(traceId)-\(parentId)-01",                                // wrong separator
        "00-\(traceId)-\(parentId)-1",                                 // short flags
        "00-\(traceId)0-\(parentId)-01",                               // long trace id
        " 00-\(traceId)-\(parentId)-01",
        "cc-\(traceId)-\(parentId)-01x",                               // a later version: a 5th field must follow a dash
    ])
    func refusesInvalid(_ text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test("a later version is read by its first four fields, and its children are version 00")
    func laterVersion() throws {
        let context = try #require(Self.parse("cc-\(Self.traceId)-\(Self.parentId)-01-what-the-future-holds"))
        #expect(context.traceId == Self.traceId)
        let child = context.childHeader(spanId: "1111111111111111").stringValue
        #expect(child == "00-\(Self.traceId)-1111111111111111-01")
    }

    @Test("two traceparent headers are ambiguous and give no context; tracestate is kept in order")
    func headers() throws {
        let one = KafkaHeader(name: "traceparent", string: Self.valid)
        let states = [KafkaHeader(name: "tracestate", string: "congo=t61rcWkgMzE"), KafkaHeader(name: "tracestate", string: "rojo=00f067aa0ba902b7")]
        let context = try #require(TraceContext(headers: [states[0], one, KafkaHeader(name: "other", string: "x"), states[1]]))
        #expect(context.state == states)
        #expect(TraceContext(headers: [one, one]) == nil)
        #expect(TraceContext(headers: states) == nil)
        #expect(TraceContext(headers: [KafkaHeader(name: "traceparent", value: nil)]) == nil)
    }

    @Test("child span ids are deterministic, 16 lowercase hex digits, and differ per output and per input")
    func childSpans() throws {
        let context = try #require(Self.parse(Self.valid))
        func span(_ offset: Int64 = 7, _ index: Int = 0, _ kind: String = "dev.offerworker.offer.presented") -> String {
            context.childSpanId(topic: "cart.updated", partition: 2, offset: offset, index: index, kind: kind)
        }
        #expect(span() == span())
        let spans = [span(), span(8), span(7, 1), span(7, 0, "dev.offerworker.cart.mutation")]
        #expect(Set(spans).count == spans.count)
        for id in spans {
            #expect(id.utf8.count == 16)
            #expect(id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
            #expect(id != Self.parentId)
            #expect(id != "0000000000000000")
        }
        // A different trace on the same record gives different spans.
        let other = try #require(Self.parse("00-\(String(Self.traceId.reversed()))-\(Self.parentId)-01"))
        #expect(other.childSpanId(topic: "cart.updated", partition: 2, offset: 7, index: 0, kind: "dev.offerworker.offer.presented") != span())
    }

    // MARK: Through the worker's per-record processing

    static func processor() -> RecordProcessor {
        RecordProcessor(
            catalog: try! OfferCatalog(offers: Fixtures.offers),
            configuration: WorkerConfiguration(kafka: KafkaConfiguration(["bootstrap.servers": "unused:9092"])))
    }

    static func cartRecord(offset: Int64, headers: [KafkaHeader]) -> ConsumerRecord {
        let cart = Fixtures.cart("phone-1", lines: [Fixtures.phoneLine])
        return ConsumerRecord(
            topic: TopicNames().cartUpdated, partition: 1, offset: offset, key: Array("phone-1".utf8),
            value: Fixtures.codec.encode(cart), headers: headers, timestamp: Fixtures.recordTimestamp)
    }

    static func outputs(of record: ConsumerRecord) -> [ProducerRecord] {
        var processor = processor()
        var outputs: [ProducerRecord] = []
        processor.process(record, into: &outputs)
        return outputs
    }

    static let stateHeaders = [KafkaHeader(name: "tracestate", string: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")]

    @Test("every offer.presented of a traced cart event carries the trace id, its own child span and the tracestate; a replay gives the same bytes")
    func presentedOutputs() throws {
        let record = Self.cartRecord(offset: 41, headers: [KafkaHeader(name: "traceparent", string: Self.valid)] + Self.stateHeaders)
        let outputs = Self.outputs(of: record)
        #expect(outputs.count == 2)
        var spans: Set<String> = []
        for output in outputs {
            let parent = try #require(output.headers.first { $0.name == "traceparent" }?.stringValue)
            let fields = parent.split(separator: "-").map(String.init)
            #expect(fields.count == 4)
            #expect(fields[0] == "00")
            #expect(fields[1] == Self.traceId)
            #expect(fields[2] != Self.parentId)
            #expect(fields[3] == "01")
            spans.insert(fields[2])
            #expect(output.headers.filter { $0.name == "tracestate" } == Self.stateHeaders)
            #expect(output.headers.filter { $0.name == "traceparent" }.count == 1)
        }
        #expect(spans.count == 2, "each output is its own span")
        #expect(Self.outputs(of: record) == outputs, "re-processing gives byte-identical outputs")
    }

    @Test("a cart event without traceparent, or with an invalid one, gives outputs without trace headers")
    func untracedOutputs() {
        let untraced = Self.outputs(of: Self.cartRecord(offset: 1, headers: Self.stateHeaders))
        let invalid = Self.outputs(of: Self.cartRecord(offset: 2, headers: [
            KafkaHeader(name: "traceparent", string: "00-00000000000000000000000000000000-\(Self.parentId)-01"),
        ] + Self.stateHeaders))
        #expect(untraced.count == 2)
        #expect(invalid.count == 2)
        for output in untraced + invalid {
            #expect(!output.headers.contains { $0.name == "traceparent" || $0.name == "tracestate" })
        }
        // Everything else is what an untraced input gives.
        #expect(untraced.map(\.value) == invalid.map(\.value))
    }

    @Test("a dead letter keeps its input's headers in place, its traceparent replaced by a child span; an invalid one is dropped")
    func deadLetters() throws {
        func deadLetter(_ headers: [KafkaHeader]) throws -> ProducerRecord {
            let record = ConsumerRecord(
                topic: TopicNames().cartUpdated, partition: 0, offset: 5, key: Array("broken".utf8),
                value: Array(#"{"cartId":"broken","#.utf8), headers: headers, timestamp: Fixtures.recordTimestamp)
            let outputs = Self.outputs(of: record)
            #expect(outputs.count == 1)
            let output = try #require(outputs.first)
            #expect(output.topic == TopicNames().deadLetter)
            return output
        }
        let app = KafkaHeader(name: "app", string: "shop")
        let traced = try deadLetter([app, KafkaHeader(name: "traceparent", string: Self.valid)] + Self.stateHeaders)
        #expect(Array(traced.headers.prefix(3).map(\.name)) == ["app", "traceparent", "tracestate"])
        let parent = try #require(traced.headers[1].stringValue)
        #expect(parent.hasPrefix("00-\(Self.traceId)-"))
        #expect(parent.hasSuffix("-01"))
        #expect(!parent.contains(Self.parentId))
        #expect(traced.headers[2] == Self.stateHeaders[0])

        let invalid = try deadLetter([app, KafkaHeader(name: "traceparent", string: "ff-\(Self.traceId)-\(Self.parentId)-01")] + Self.stateHeaders)
        #expect(invalid.headers.first == app)
        #expect(!invalid.headers.contains { $0.name == "traceparent" || $0.name == "tracestate" })

        let untraced = try deadLetter([app])
        #expect(untraced.headers.first == app)
        #expect(!untraced.headers.contains { $0.name == "traceparent" })
    }
}
