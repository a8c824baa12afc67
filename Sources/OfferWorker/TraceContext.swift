import Crypto
import Kafka

/// W3C Trace Context (https://www.w3.org/TR/trace-context/) carried from an input record to
/// every output it causes, so a trace started by the shop's front end continues through the
/// worker into `offer.presented`, `cart.mutation`, `offer.rejected` and dead letters.
///
/// An output's `traceparent` keeps the input's trace id and flags with a new span id, a child
/// of the input's span; the input's `tracestate` headers are copied unchanged. The child span
/// id is derived from the input's coordinates and the output's place among the input's
/// outputs (never a random number), so re-processing and replays give byte-identical records.
///
/// An input without `traceparent`, or with one that is not valid (not `version-traceid-
/// parentid-flags` in lowercase hex, version `ff`, an all-zero trace or parent id, or more than
/// one `traceparent` header), gives outputs with neither header: the trace is not continued,
/// and the record is processed as usual.
struct TraceContext: Sendable, Hashable {
    /// 32 lowercase hex digits, not all zero.
    let traceId: String
    /// The input's span: 16 lowercase hex digits, not all zero.
    let parentId: String
    /// 2 lowercase hex digits, carried unchanged (bit 0: sampled).
    let flags: String
    /// The input's `tracestate` headers, unchanged and in order.
    let state: [KafkaHeader]

    static let parentHeader = "traceparent"
    static let stateHeader = "tracestate"

    /// The context of a record's headers; `nil` when it has no valid `traceparent`.
    init?(headers: [KafkaHeader]) {
        var parent: KafkaHeader?
        var state: [KafkaHeader] = []
        for header in headers {
            if header.name == Self.parentHeader {
                guard parent == nil else { return nil }  // ambiguous: which span is the parent?
                parent = header
            } else if header.name == Self.stateHeader {
                state.append(header)
            }
        }
        guard let value = parent?.value else { return nil }
        self.init(traceparent: value, state: state)
    }

    /// Parses a `traceparent` value; `nil` when it is not valid. A version above `00` is
    /// read as the specification asks (its first four fields, then the end or a `-`), and
    /// children are written in version `00`.
    init?(traceparent bytes: [UInt8], state: [KafkaHeader] = []) {
        guard bytes.count >= 55,
              Self.isLowercaseHex(bytes[0..<2]), bytes[0..<2] != [0x66, 0x66],  // "ff" is never valid
              bytes[2] == UInt8(ascii: "-"), Self.isLowercaseHex(bytes[3..<35]),
              bytes[35] == UInt8(ascii: "-"), Self.isLowercaseHex(bytes[36..<52]),
              bytes[52] == UInt8(ascii: "-"), Self.isLowercaseHex(bytes[53..<55])
        else { return nil }
        let isVersionZero = bytes[0] == UInt8(ascii: "0") && bytes[1] == UInt8(ascii: "0")
        if isVersionZero ? bytes.count != 55 : (bytes.count > 55 && bytes[55] != UInt8(ascii: "-")) { return nil }
        guard bytes[3..<35].contains(where: { $0 != UInt8(ascii: "0") }),
              bytes[36..<52].contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        traceId = String(decoding: bytes[3..<35], as: UTF8.self)
        parentId = String(decoding: bytes[36..<52], as: UTF8.self)
        flags = String(decoding: bytes[53..<55], as: UTF8.self)
        self.state = state
    }

    /// The span id of the output at `index` (of type `kind`) among the outputs of the input at
    /// `topic`/`partition`/`offset`: the first 8 bytes of a SHA-256 of all of them and this
    /// context, in hex; never all zero.
    func childSpanId(topic: String, partition: Int32, offset: Int64, index: Int, kind: String) -> String {
        var hasher = SHA256()
        for part in ["traceparent-child", traceId, parentId, topic, String(partition), String(offset), String(index), kind] {
            let bytes = Array(part.utf8)
            var length = UInt32(bytes.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: bytes)
        }
        var span = Array(hasher.finalize().prefix(8))
        if span.allSatisfy({ $0 == 0 }) { span[7] = 1 }  // all zeros is not a valid span id
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(16)
        for byte in span {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The `traceparent` header of a child span.
    func childHeader(spanId: String) -> KafkaHeader {
        KafkaHeader(name: Self.parentHeader, string: "00-\(traceId)-\(spanId)-\(flags)")
    }

    /// Adds the child `traceparent` and the `tracestate` headers to `outputs[first...]`, the
    /// outputs `input` caused (nothing when the input has no valid context). Each output's
    /// span is derived from its index among them and its `ce_type`.
    static func propagate(from input: ConsumerRecord, into outputs: inout [ProducerRecord], startingAt first: Int) {
        guard first < outputs.count, !input.headers.isEmpty, let context = TraceContext(headers: input.headers) else { return }
        for position in first..<outputs.count {
            let kind = outputs[position].headers.first { $0.name == "ce_type" }?.stringValue ?? outputs[position].topic
            let span = context.childSpanId(
                topic: input.topic, partition: input.partition, offset: input.offset, index: position - first, kind: kind)
            outputs[position].headers.append(context.childHeader(spanId: span))
            outputs[position].headers += context.state
        }
    }

    /// A dead letter's copy of its input's headers: unchanged, except that a valid
    /// `traceparent` becomes the dead letter's child span (in place), and an invalid one is
    /// dropped with the `tracestate` headers, as for any output.
    static func deadLetterHeaders(of input: ConsumerRecord) -> [KafkaHeader] {
        guard input.headers.contains(where: { $0.name == parentHeader }) else { return input.headers }
        guard let context = TraceContext(headers: input.headers) else {
            return input.headers.filter { $0.name != parentHeader && $0.name != stateHeader }
        }
        let child = context.childHeader(spanId: context.childSpanId(
            topic: input.topic, partition: input.partition, offset: input.offset, index: 0, kind: "dead-letter"))
        return input.headers.map { $0.name == parentHeader ? child : $0 }
    }

    private static func isLowercaseHex(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}
