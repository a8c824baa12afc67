import Foundation
import Kafka
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
