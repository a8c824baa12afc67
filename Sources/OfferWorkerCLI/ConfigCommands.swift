import ArgumentParser
import Foundation
import Kafka
import OfferWorker
import Yams

extension OfferWorkerCommand {
    struct Config: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the configuration the worker would run with.",
            subcommands: [Print.self], defaultSubcommand: Print.self)

        struct Print: CheckedCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the effective configuration of `run` (the same options, environment and --config file) and where each value came from; secrets masked. Nothing is connected to.",
                discussion: """
                Every option of run can come from, in decreasing precedence: the command line, an \
                environment variable OFFER_WORKER_<OPTION> (OFFER_WORKER_GROUP_ID, flags as true or \
                false), the YAML file given by --config or OFFER_WORKER_CONFIG (keys the long option \
                names; librdkafka properties under kafka:), then the default. The source column says \
                which one gave each value. Properties whose names contain pass, secret, token, key, \
                jaas or credential are shown as [redacted].

                When the configuration has problems, they are listed after it and the exit status is 1.
                """)

            enum Format: String, CaseIterable, ExpressibleByArgument, Sendable { case table, json, yaml }

            @OptionGroup var worker: Run
            @Option(help: "Output format.") var format: Format = .table

            func optionProblems() -> [String] { worker.optionProblems() }

            /// One line of the output.
            struct Entry: Codable, Equatable {
                var name: String
                var value: String?
                var source: String
            }

            /// The effective configuration: `run`'s options (the `-X` list left out: its
            /// properties are listed one by one), then the librdkafka properties.
            struct Report: Codable {
                var configFile: String?
                var options: [Entry]
                var kafka: [Entry]
            }

            func run() async throws {
                let sources = ConfigurationSources.resolve(OfferWorkerCommand.self, Array(CommandLine.arguments.dropFirst()),
                                                           environment: ProcessInfo.processInfo.environment)
                var problems: [String] = []
                let skipped: Set<String> = [ConfigurationSources.kafkaPropertyOption, "format"]
                let file = Entry(name: ConfigurationSources.fileOption, value: sources.file?.path,
                                 source: (sources.file?.source ?? .defaultValue).description)
                let options = [file] + sources.options.filter { !skipped.contains($0.name) }.map { option in
                    Entry(name: option.name, value: sources.value(of: option) ?? option.defaultValue,
                          source: (sources.sources[option.name] ?? .defaultValue).description)
                }
                let bootstrapSource = sources.sources["bootstrap-servers"]?.description ?? "flag"
                let (kafka, kafkaSources) = worker.kafka.sourcedConfiguration(
                    bootstrapOverride: worker.embedded ? "(embedded broker)" : nil, configFile: sources.file?.path, problems: &problems)
                let properties = kafka.properties.keys.sorted().map { key in
                    var source = kafkaSources[key] ?? "?"
                    if source == "--bootstrap-servers" { source = bootstrapSource + " (--bootstrap-servers)" }
                    return Entry(name: key, value: KafkaConfiguration.isSecret(key) ? "[redacted]" : kafka[key], source: source)
                }
                let report = Report(configFile: sources.file?.path, options: options, kafka: properties)
                // Written at once, before any problem goes to standard error.
                FileHandle.standardOutput.write(Data(try render(report).utf8))
                let all = worker.optionProblems()
                if !all.isEmpty { throw ConfigurationError(problems: all) }
            }

            private func render(_ report: Report) throws -> String {
                switch format {
                case .json:
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
                case .yaml:
                    return try YAMLEncoder().encode(report)
                case .table:
                    var text = table(["OPTION", "VALUE", "SOURCE"], report.options.map { ["--" + $0.name, $0.value ?? "(none)", $0.source] })
                    text += "\n"
                    text += table(["KAFKA PROPERTY", "VALUE", "SOURCE"], report.kafka.map { [$0.name, $0.value ?? "", $0.source] })
                    return text
                }
            }

            /// Columns aligned to their widest cell.
            private func table(_ header: [String], _ rows: [[String]]) -> String {
                let all = [header] + rows
                let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
                return all.map { row in
                    row.enumerated().map { column, cell in
                        column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    }.joined(separator: "  ")
                }.joined(separator: "\n") + "\n"
            }
        }
    }
}
