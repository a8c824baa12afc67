import CRdKafka
import Foundation

/// librdkafka properties for one client, passed through unchanged.
///
/// Any property from librdkafka's CONFIGURATION.md can be set, so SASL, TLS and tuning work
/// without code changes. Unknown properties and invalid values are refused when a client is
/// created, with librdkafka's explanation.
public struct KafkaConfiguration: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
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

    /// Property names whose values may be secrets and must never be logged. Deliberately
    /// broad (a misspelt `sasl.passwrd` or a key file path is redacted too).
    public static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return ["pass", "secret", "token", "key", "jaas", "credential", "oauthbearer.config"]
            .contains { lower.contains($0) }
    }

    /// Redacted: a configuration printed by any means (string interpolation, `dump`, a
    /// framework logging its services) never shows a secret.
    public var description: String { "KafkaConfiguration(\(redactedDescription))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["properties": redactedDescription]) }

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
                // librdkafka's reason names the key (and a rejected enum value); the value
                // itself is never repeated here, as it may be a secret under a misspelt key.
                let reason = String(nulTerminated: errorText)
                throw .configuration("Kafka property \(key) refused: \(reason)")
            }
        }
        return conf
    }
}

extension KafkaConfiguration {
    /// Reads a Java-style properties file: `key=value` lines; blank lines and lines starting
    /// with `#` or `!` are ignored. The values are taken as written (no escapes).
    public static func load(propertiesFile path: String) throws(KafkaError) -> KafkaConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .configuration("cannot read Kafka properties file \(path)")
        }
        var configuration = KafkaConfiguration()
        for (index, rawLine) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                throw .configuration("\(path):\(index + 1): expected key=value")
            }
            configuration[line[..<eq].trimmingCharacters(in: .whitespaces)] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        return configuration
    }

    /// Properties from environment variables named `prefix` + the property name in upper
    /// case with `_` for `.`: `OFFER_WORKER_KAFKA_SASL_MECHANISM=PLAIN` sets `sasl.mechanism`.
    public init(environment: [String: String], prefix: String) {
        var properties: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix(prefix) && name.count > prefix.count {
            properties[name.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: ".")] = value
        }
        self.init(properties)
    }

    /// Replaces every value written `@/path/to/file` by that file's contents (without the
    /// trailing newline), so secrets can come from mounted files instead of the command line.
    public func resolvingFileReferences() throws(KafkaError) -> KafkaConfiguration {
        var resolved = self
        for (key, value) in properties where value.hasPrefix("@") {
            let path = String(value.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .configuration("Kafka property \(key): cannot read the file \(path) its value refers to")
            }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            resolved[key] = text
        }
        return resolved
    }
}
