import CRdKafka

/// An error reported by librdkafka or by this wrapper.
public struct KafkaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// librdkafka's error code (`rd_kafka_resp_err_t`), or one of this wrapper's codes.
    public let code: Int32
    /// librdkafka's name for the code, for example `_TRANSPORT` or `REQUEST_TIMED_OUT`.
    public let name: String
    /// A human readable explanation.
    public let message: String
    /// Whether retrying the same operation may succeed.
    public let isRetriable: Bool
    /// Whether the client instance is unusable and must be recreated.
    public let isFatal: Bool
    /// For a transactional producer: the transaction must be aborted (and can be retried).
    public let requiresAbort: Bool

    public init(code: Int32, name: String, message: String, isRetriable: Bool = false, isFatal: Bool = false, requiresAbort: Bool = false) {
        self.code = code
        self.name = name
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.requiresAbort = requiresAbort
    }

    init(_ err: rd_kafka_resp_err_t, message: String? = nil) {
        let name = rd_kafka_err2name(err).map { String(cString: $0) } ?? "\(err.rawValue)"
        let text = message ?? rd_kafka_err2str(err).map { String(cString: $0) } ?? "unknown error"
        self.init(code: err.rawValue, name: name, message: text, isRetriable: KafkaError.retriableCodes.contains(err))
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            name: rd_kafka_error_name(error).map { String(cString: $0) } ?? "",
            message: rd_kafka_error_string(error).map { String(cString: $0) } ?? "",
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            requiresAbort: rd_kafka_error_txn_requires_abort(error) != 0
        )
    }

    public var description: String { "\(name): \(message)" }

    /// The configuration is invalid; `message` says what to fix.
    public static func configuration(_ message: String) -> KafkaError {
        KafkaError(code: -10_001, name: "CONFIGURATION", message: message)
    }

    /// An operation did not complete in time.
    public static func timedOut(_ message: String) -> KafkaError {
        KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, name: "_TIMED_OUT", message: message, isRetriable: true)
    }

    /// The caller's task was cancelled before the operation completed.
    public static let cancelled = KafkaError(code: -10_004, name: "CANCELLED", message: "the task was cancelled")

    /// The client has been closed.
    public static let closed = KafkaError(code: -10_002, name: "CLOSED", message: "the client is closed")

    /// Whether the error concerns one record only (its size or contents), not the client or
    /// the topic: another record would go through, so the caller can set this one aside.
    public var isRecordScoped: Bool { KafkaError.recordScopedCodes.contains(rd_kafka_resp_err_t(code)) }

    private static let recordScopedCodes: Set<rd_kafka_resp_err_t> = [
        RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_RECORD,
        RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP, RD_KAFKA_RESP_ERR_INVALID_MSG,
    ]

    // Errors librdkafka surfaces in delivery reports that a new attempt may fix.
    private static let retriableCodes: Set<rd_kafka_resp_err_t> = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__RESOLVE,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
    ]
}

extension rd_kafka_resp_err_t: @retroactive Hashable {}
