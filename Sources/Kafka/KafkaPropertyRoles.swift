#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRdKafka
import Foundation

/// Which clients a librdkafka property applies to, as the linked librdkafka documents it
/// (the `C/P` column of its CONFIGURATION.md, read at run time from
/// `rd_kafka_conf_properties_show`, so it always matches the library in use).
public enum KafkaPropertyRoles {
    public enum Role: Sendable, Hashable {
        /// Consumers only (`C`).
        case consumer
        /// Producers only (`P`).
        case producer
        /// Every client (`*`).
        case any
    }

    /// The property's role; `.any` for a property librdkafka does not list (which it
    /// refuses anyway) and for shared ones.
    public static func role(of property: String) -> Role {
        roles[property] ?? .any
    }

    private static let roles: [String: Role] = {
        var roles: [String: Role] = [:]
        for line in propertiesTable().split(separator: "\n") {
            let columns = line.split(separator: "|", omittingEmptySubsequences: false)
            guard columns.count > 2 else { continue }
            let name = columns[0].trimmingCharacters(in: .whitespaces)
            switch columns[1].trimmingCharacters(in: .whitespaces) {
            case "C": roles[name] = .consumer
            case "P": roles[name] = .producer
            default: break
            }
        }
        return roles
    }()

    /// librdkafka's table of properties, as Markdown.
    private static func propertiesTable() -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return "" }
        rd_kafka_conf_properties_show(stream)
        fclose(stream)
        defer { free(buffer) }
        return buffer.map { String(cString: $0) } ?? ""
    }
}
