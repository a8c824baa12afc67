import CRdKafka
import Foundation
import Logging
import Synchronization

/// State shared with librdkafka's C callbacks through the client's opaque pointer.
///
/// It outlives the `rd_kafka_t` it belongs to: `NativeClient` destroys the handle before
/// releasing it.
final class ClientContext: Sendable {
    let logger: Logger
    let deliveries = DeliveryRegistry()
    let rebalance = RebalanceState()
    /// Delivery reports of a ``KafkaPipelineProducer``, taken by its owning thread.
    let ownedDeliveries = OwnedDeliveries()
    let lastError = Mutex<KafkaError?>(nil)
    /// The latest failed asynchronous offset commit, until taken.
    let commitFailure = Mutex<KafkaError?>(nil)
    /// The latest statistics (when `statistics.interval.ms` is set), until taken.
    let statistics = Mutex<KafkaStatistics?>(nil)
    /// The latest statistics document not yet parsed, and whether a parser thread runs.
    private let unparsedStatistics = Mutex<(json: [UInt8]?, parsing: Bool)>((nil, false))

    init(logger: Logger) {
        self.logger = logger
    }

    /// Takes librdkafka's statistics document and parses it on a thread of its own: the
    /// callback runs inside the consumer's poll, on the thread that processes records, and a
    /// document covers every partition (a hundred kilobytes and milliseconds of parsing), which
    /// would stall that thread every interval. A document that arrives while the previous one
    /// is parsed replaces any other waiting one.
    func receiveStatistics(_ json: UnsafeRawBufferPointer) {
        let startParser = unparsedStatistics.withLock { state -> Bool in
            state.json = Array(json)
            defer { state.parsing = true }
            return !state.parsing
        }
        guard startParser else { return }
        NamedThread.start("kafka-stats") { [self] in
            while let json = unparsedStatistics.withLock({ state -> [UInt8]? in
                defer { state.json = nil }
                if state.json == nil { state.parsing = false }
                return state.json
            }) {
                guard let parsed = json.withUnsafeBytes({ KafkaStatistics(json: $0) }) else { continue }
                statistics.withLock { $0 = parsed }
            }
        }
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientContext? {
        opaque.map { Unmanaged<ClientContext>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// Owns one `rd_kafka_t` and its callback context.
final class NativeClient: @unchecked Sendable {
    // `handle` is immutable after init and librdkafka's API is thread-safe.
    let handle: OpaquePointer
    let context: ClientContext

    init(
        type: rd_kafka_type_t, configuration: KafkaConfiguration, logger: Logger,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let conf = try configuration.makeNative()
        let context = ClientContext(logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let context = ClientContext.from(rd_kafka_opaque(rk)) else { return }
            let text = message.map { String(cString: $0) } ?? ""
            let fac = facility.map { String(cString: $0) } ?? ""
            // A failed connection is logged here and reported again through the error
            // callback (at info), and librdkafka retries it by itself: here it is detail.
            let mapped: Logger.Level = fac == "FAIL" ? .debug : .init(syslogLevel: level)
            context.logger.log(level: mapped, "librdkafka \(fac): \(text)")
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
            guard let context = ClientContext.from(opaque) else { return }
            var error = KafkaError(rd_kafka_resp_err_t(err), message: reason.map { String(cString: $0) })
            if rd_kafka_resp_err_t(err) == RD_KAFKA_RESP_ERR__FATAL, let rk, let fatal = NativeClient.fatalError(of: rk) {
                error = fatal
            }
            context.lastError.withLock { $0 = error }
            // A lost connection is retried by librdkafka; "all brokers down" says it when it matters.
            let transient = rd_kafka_resp_err_t(err) == RD_KAFKA_RESP_ERR__TRANSPORT
            context.logger.log(level: transient ? .info : .warning, "Kafka client error", metadata: ["error": "\(error)"])
        }
        rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
            guard let json, let context = ClientContext.from(opaque) else { return 0 }
            context.receiveStatistics(UnsafeRawBufferPointer(start: json, count: length))
            return 0  // librdkafka frees the JSON (it was copied)
        }
        configure(conf)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            let reason = String(nulTerminated: errorText)
            throw .configuration("cannot create Kafka client: \(reason)")
        }
        self.handle = handle
        self.context = context
    }

    deinit {
        // rd_kafka_destroy waits (a consumer leaves its group, the client's threads are
        // joined). Inside a task it would hold a Swift concurrency thread: there it runs on a
        // thread of its own, the context kept alive for the callbacks it still fires.
        let insideTask = withUnsafeCurrentTask { $0 != nil }
        guard insideTask else { return rd_kafka_destroy(handle) }
        nonisolated(unsafe) let handle = handle
        let context = context
        NamedThread.start("kafka-destroy") {
            rd_kafka_destroy(handle)
            withExtendedLifetime(context) {}
        }
    }

    /// The fatal error this client raised, if any.
    var fatalError: KafkaError? { Self.fatalError(of: handle) }

    static func fatalError(of handle: OpaquePointer) -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            code: code.rawValue, name: String(cString: rd_kafka_err2name(code)),
            message: String(nulTerminated: text), isFatal: true)
    }
}

extension Logger.Level {
    init(syslogLevel: Int32) {
        switch syslogLevel {
        case ...3: self = .error
        case 4: self = .warning
        case 5, 6: self = .info
        default: self = .debug
        }
    }
}

/// Conversions between Swift partition lists and `rd_kafka_topic_partition_list_t`.
enum NativePartitionList {
    /// A new list the caller must destroy; offsets set when given.
    static func make(_ partitions: [(TopicPartition, Int64?)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        for (tp, offset) in partitions {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return list
    }

    static func elements(
        _ list: UnsafePointer<rd_kafka_topic_partition_list_t>?
    ) -> [(partition: TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        guard let list, let elems = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { i in
            let e = elems[i]
            return (TopicPartition(topic: String(cString: e.topic), partition: e.partition), e.offset, e.err)
        }
    }
}

extension String {
    /// Decodes a C error buffer filled by librdkafka up to its NUL terminator.
    init(nulTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
