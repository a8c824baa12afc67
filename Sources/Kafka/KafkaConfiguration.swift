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

    /// Every property librdkafka refuses (an unknown name, a value it cannot take), one
    /// problem each, in name order: `Kafka property acks refused: Invalid value for
    /// configuration property "request.required.acks"`. Empty when librdkafka takes them
    /// all. Checked without connecting anywhere, so all of them can be reported at start-up
    /// at once. (A few combinations are only checked when a client is created.)
    public var problems: [String] {
        let conf = rd_kafka_conf_new()!
        defer { rd_kafka_conf_destroy(conf) }
        return properties.keys.sorted().compactMap { key in set(key, on: conf) }
    }

    /// Builds an `rd_kafka_conf_t`; the caller owns it. Throws every refused property.
    func makeNative() throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        let problems = properties.keys.sorted().compactMap { key in set(key, on: conf) }
        guard problems.isEmpty else {
            rd_kafka_conf_destroy(conf)
            throw .configuration(problems.joined(separator: "; "))
        }
        return conf
    }

    /// Sets one property; returns the problem when librdkafka refuses it.
    private func set(_ key: String, on conf: OpaquePointer) -> String? {
        var errorText = [CChar](repeating: 0, count: 512)
        let value = properties[key]!
        guard rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK else { return nil }
        // librdkafka's reason names the key and sometimes the value; the value is never
        // repeated for a property that may hold a secret.
        var reason = String(nulTerminated: errorText)
        if Self.isSecret(key), !value.isEmpty { reason = reason.replacingOccurrences(of: value, with: "[redacted]") }
        return "Kafka property \(key) refused: \(reason)"
    }
}

extension KafkaConfiguration {
    /// The configuration for a producer: without the properties librdkafka documents as
    /// consumer-only (`group.id`, `isolation.level`, `auto.offset.reset`, `session.timeout.ms`,
    /// …), which a producer ignores with a `CONFWARN` log line each. A configuration shared by
    /// a worker's consumers and producer goes through this before it reaches the producer.
    public func forProducer() -> KafkaConfiguration {
        KafkaConfiguration(properties.filter { KafkaPropertyRoles.role(of: $0.key) != .consumer })
    }

    /// The configuration for a consumer: without producer-only properties (`acks`,
    /// `linger.ms`, `transactional.id`, …), which a consumer ignores with a `CONFWARN`.
    public func forConsumer() -> KafkaConfiguration {
        KafkaConfiguration(properties.filter { KafkaPropertyRoles.role(of: $0.key) != .producer })
    }
}

extension KafkaConfiguration {
    /// Reads a Java-style properties file: `key=value` lines; blank lines and lines starting
    /// with `#` or `!` are ignored. The values are taken as written (no escapes). Throws
    /// every line that is not `key=value`.
    public static func load(propertiesFile path: String) throws(KafkaError) -> KafkaConfiguration {
        let (configuration, problems) = read(propertiesFile: path)
        guard problems.isEmpty else { throw .configuration(problems.joined(separator: "; ")) }
        return configuration
    }

    /// Reads a properties file like ``load(propertiesFile:)``, returning the properties it
    /// could read and a problem for each line it could not (`FILE:3: expected key=value`), so
    /// a caller can report them with its other problems.
    public static func read(propertiesFile path: String) -> (configuration: KafkaConfiguration, problems: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (KafkaConfiguration(), ["cannot read Kafka properties file \(path)"])
        }
        var configuration = KafkaConfiguration()
        var problems: [String] = []
        for (index, rawLine) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                problems.append("\(path):\(index + 1): expected key=value")
                continue
            }
            configuration[line[..<eq].trimmingCharacters(in: .whitespaces)] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        return (configuration, problems)
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
    /// Throws every file that cannot be read.
    public func resolvingFileReferences() throws(KafkaError) -> KafkaConfiguration {
        var problems: [String] = []
        let resolved = resolvingFileReferences(problems: &problems)
        guard problems.isEmpty else { throw .configuration(problems.joined(separator: "; ")) }
        return resolved
    }

    /// Resolves `@FILE` values like ``resolvingFileReferences()``, adding a problem for each
    /// file that cannot be read (its property keeps the `@FILE` value).
    public func resolvingFileReferences(problems: inout [String]) -> KafkaConfiguration {
        var resolved = self
        for key in properties.keys.sorted() {
            guard let value = properties[key], value.hasPrefix("@") else { continue }
            let path = String(value.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append("Kafka property \(key): cannot read the file \(path) its value refers to")
                continue
            }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            resolved[key] = text
        }
        return resolved
    }
}
