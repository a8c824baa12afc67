import Foundation
import Kafka
import Logging
import Testing

@Suite("Kafka configuration sources and secrets")
struct KafkaConfigurationTests {
    func file(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-\(UUID())").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a properties file gives key=value lines, skipping comments and blanks")
    func propertiesFile() throws {
        let path = try file("# TLS\nsecurity.protocol = SASL_SSL\n\n! old style comment\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=a=b\n")
        let configuration = try KafkaConfiguration.load(propertiesFile: path)
        #expect(configuration.properties == ["security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.jaas.config": "a=b"])
        let broken = try file("sasl.mechanism\n")
        #expect(throws: KafkaError.configuration("\(broken):1: expected key=value")) { try KafkaConfiguration.load(propertiesFile: broken) }
        #expect(throws: KafkaError.configuration("cannot read Kafka properties file /nonexistent")) { try KafkaConfiguration.load(propertiesFile: "/nonexistent") }
    }

    @Test("environment variables with the prefix map to properties")
    func environment() {
        let configuration = KafkaConfiguration(
            environment: ["OFFER_WORKER_KAFKA_SASL_MECHANISM": "OAUTHBEARER", "OFFER_WORKER_KAFKA_SSL_CA_LOCATION": "/ca.pem", "HOME": "/root", "OFFER_WORKER_KAFKA_": "x"],
            prefix: "OFFER_WORKER_KAFKA_")
        #expect(configuration.properties == ["sasl.mechanism": "OAUTHBEARER", "ssl.ca.location": "/ca.pem"])
    }

    @Test("@FILE values are read from the file, without the trailing newline")
    func secretFiles() throws {
        let secret = try file("s3cr3t-from-file\n")
        let configuration = try KafkaConfiguration(["sasl.password": "@\(secret)", "sasl.username": "svc"]).resolvingFileReferences()
        #expect(configuration["sasl.password"] == "s3cr3t-from-file")
        #expect(configuration["sasl.username"] == "svc")
        #expect(throws: KafkaError.self) { try KafkaConfiguration(["sasl.password": "@/nonexistent"]).resolvingFileReferences() }
    }

    @Test("secrets are redacted from descriptions and from refusals")
    func redaction() {
        let configuration = KafkaConfiguration([
            "sasl.password": "p4ss", "ssl.key.password": "k3y", "sasl.oauthbearer.config": "principal=t0ken",
            "sasl.username": "svc", "sasl.oauthbearer.client.secret": "cl13nt",
        ])
        let description = configuration.redactedDescription
        for secret in ["p4ss", "k3y", "t0ken", "cl13nt"] { #expect(!description.contains(secret)) }
        #expect(description.contains("sasl.username=svc") && description.contains("sasl.password=[redacted]"))
        // However it is printed: interpolated, reflected, dumped, or inside another value.
        struct Holder { let kafka: KafkaConfiguration }
        var dumped = ""
        dump(Holder(kafka: configuration), to: &dumped)
        for printed in ["\(configuration)", String(reflecting: configuration), "\(Holder(kafka: configuration))", dumped] {
            for secret in ["p4ss", "k3y", "t0ken", "cl13nt"] { #expect(!printed.contains(secret), "\(printed)") }
        }

        // A misspelt key is refused by name, without echoing its (possibly secret) value.
        #expect {
            _ = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": "x:9092", "sasl.passwrd": "p4ss"]))
        } throws: { error in
            "\(error)".contains("sasl.passwrd") && !"\(error)".contains("p4ss")
        }
    }
}

/// Every librdkafka property problem at once, and each client given only its own properties.
@Suite("Kafka configuration checks and per-client properties")
struct KafkaConfigurationCheckTests {
    @Test("every property librdkafka refuses is one problem, by name, in one check")
    func everyRefusedProperty() {
        let configuration = KafkaConfiguration([
            "bootstrap.servers": "x:9092", "acks": "banana", "session.timeout.ms": "abc", "sasl.passwrd": "hunter2", "linger.ms": "5",
        ])
        #expect(configuration.problems == [
            #"Kafka property acks refused: Invalid value for configuration property "request.required.acks""#,
            #"Kafka property sasl.passwrd refused: No such configuration property: "sasl.passwrd""#,
            #"Kafka property session.timeout.ms refused: Invalid value for configuration property "session.timeout.ms""#,
        ])
        #expect(KafkaConfiguration(["bootstrap.servers": "x:9092", "acks": "all", "isolation.level": "read_committed"]).problems.isEmpty)
        // Creating a client reports them all too, not only the first.
        #expect {
            _ = try KafkaProducer(configuration: configuration)
        } throws: { error in
            let text = "\(error)"
            return text.contains("acks") && text.contains("session.timeout.ms") && text.contains("sasl.passwrd") && !text.contains("hunter2")
        }
    }

    @Test("forProducer drops consumer-only properties, forConsumer producer-only ones; shared ones stay in both")
    func perClientProperties() {
        let shared = ["bootstrap.servers": "x:9092", "security.protocol": "SASL_SSL", "sasl.username": "svc", "client.id": "w"]
        let consumerOnly = ["group.id": "g", "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                            "session.timeout.ms": "6000", "enable.auto.commit": "false", "partition.assignment.strategy": "range"]
        let producerOnly = ["acks": "all", "linger.ms": "5", "transactional.id": "t", "enable.idempotence": "true", "compression.type": "lz4"]
        let all = KafkaConfiguration(shared.merging(consumerOnly) { a, _ in a }.merging(producerOnly) { a, _ in a })
        #expect(all.forProducer().properties == shared.merging(producerOnly) { a, _ in a })
        #expect(all.forConsumer().properties == shared.merging(consumerOnly) { a, _ in a })
        #expect(KafkaPropertyRoles.role(of: "isolation.level") == .consumer)
        #expect(KafkaPropertyRoles.role(of: "acks") == .producer)
        #expect(KafkaPropertyRoles.role(of: "bootstrap.servers") == .any)
        #expect(KafkaPropertyRoles.role(of: "no.such.property") == .any)
    }

    @Test("a producer made with forProducer logs no CONFWARN for the consumers' isolation.level")
    func noConsumerWarningsOnTheProducer() async throws {
        let cluster = try EmbeddedKafkaCluster()
        let shared = KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "isolation.level": "read_committed", "group.id": "g"])
        func warnings(_ configuration: KafkaConfiguration) async throws -> [String] {
            let log = LogCapture()
            let producer = try KafkaProducer(configuration: configuration, logger: Logger(label: "test") { _ in log })
            try await Task.sleep(for: .milliseconds(300))
            await producer.close()
            return log.messages.filter { $0.contains("CONFWARN") }
        }
        #expect(try await !warnings(shared).isEmpty, "librdkafka warns when a producer is given consumer properties")
        #expect(try await warnings(shared.forProducer()).isEmpty)
    }
}
