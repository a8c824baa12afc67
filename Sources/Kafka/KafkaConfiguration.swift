import CRdKafka

/// librdkafka properties for one client, passed through unchanged.
///
/// Any property from librdkafka's CONFIGURATION.md can be set, so SASL, TLS and tuning work
/// without code changes. Unknown properties and invalid values are refused when a client is
/// created, with librdkafka's explanation.
public struct KafkaConfiguration: Sendable, Equatable {
    /// The properties, by librdkafka name (`bootstrap.servers`, `sasl.mechanism`, …).
    public var properties: [String: String]

    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// The configuration with `other`'s properties set over these.
    public func merging(_ other: [String: String]) -> KafkaConfiguration {
        KafkaConfiguration(properties.merging(other) { _, new in new })
    }

    /// Property names whose values are secrets and must never be logged.
    public static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return ["password", "secret", "token", "key.pem", "private.key", "jaas", "oauthbearer.config"]
            .contains { lower.contains($0) }
    }

    /// The properties for a log line, secrets replaced by `[redacted]`.
    public var redactedDescription: String {
        properties.keys.sorted().map { key in
            "\(key)=\(Self.isSecret(key) ? "[redacted]" : properties[key]!)"
        }.joined(separator: ", ")
    }

    /// Builds an `rd_kafka_conf_t`; the caller owns it.
    func makeNative() throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for key in properties.keys.sorted() {
            let result = rd_kafka_conf_set(conf, key, properties[key]!, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = String(nulTerminated: errorText)
                let shown = Self.isSecret(key) ? "[redacted]" : properties[key]!
                throw .configuration("Kafka property \(key)=\(shown) refused: \(reason)")
            }
        }
        return conf
    }
}
