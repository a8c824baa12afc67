import Logging

/// The test process's logging: the Kafka clients the tests themselves create (readers,
/// producers, inspectors) log only warnings and errors, so the disconnects of every test
/// broker torn down under them do not bury the tests' own output. The workers under test log
/// through their own handlers (captured, or their process's output) and are not affected.
enum TestLogging {
    private static let bootstrapped: Void = LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = label.hasPrefix("kafka.") ? .warning : .info
        return handler
    }

    /// Sets the process's logging up, once; call before creating clients.
    static func setUp() { _ = bootstrapped }
}
