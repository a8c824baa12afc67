import ArgumentParser
import Foundation
import OfferEngine
import OfferWorker
import Yams

/// Every option of a command can also come from an environment variable
/// (`OFFER_WORKER_<OPTION>`: `OFFER_WORKER_GROUP_ID`, `OFFER_WORKER_METRICS_PORT`) and from a
/// YAML configuration file (`--config FILE` or `OFFER_WORKER_CONFIG`, keys the long option
/// names: `group-id: offers`), with one precedence: flags, then environment, then file, then
/// defaults.
///
/// Before ArgumentParser reads the command line, each option it does not name is looked up in
/// the environment, then in the file, and written into the arguments as if typed
/// (`--group-id=offers`), so every value goes through the same parsing and checks whatever its
/// source. The options are ArgumentParser's own description of the command, so no list of
/// names can drift from the real options. Where each value came from is kept, for
/// `config print` and for naming the source of a bad value
/// (`OFFER_WORKER_METRICS_PORT=70000: must be between 0 and 65535 (got 70000)`).
///
/// librdkafka properties from the file (a `kafka:` map or a `kafka-property:` list) are
/// merged per property under the `OFFER_WORKER_KAFKA_*` variables and `-X` flags (see
/// ``KafkaOptions``), rather than replaced as a whole by one `-X`.
struct ConfigurationSources: Sendable {
    /// Where a value came from.
    enum Source: Equatable, Sendable, CustomStringConvertible {
        case commandLine
        /// The environment variable's name.
        case environment(String)
        /// The configuration file's path.
        case file(String)
        case defaultValue

        var description: String {
            switch self {
            case .commandLine: "flag"
            case .environment(let name): "env \(name)"
            case .file(let path): "file \(path)"
            case .defaultValue: "default"
            }
        }
    }

    /// One option of a command, as ArgumentParser describes it.
    struct Option: Sendable {
        /// The long name, without `--`.
        var name: String
        var shortNames: [String]
        var isFlag: Bool
        var isRepeating: Bool
        var defaultValue: String?

        /// `OFFER_WORKER_` + the name in upper case with `_` for `-`.
        var environmentName: String {
            ConfigurationSources.environmentPrefix + name.uppercased().replacingOccurrences(of: "-", with: "_")
        }
    }

    static let environmentPrefix = "OFFER_WORKER_"
    /// The option naming the configuration file; it cannot itself come from the file.
    static let fileOption = "config"
    /// The file's map of librdkafka properties (`kafka: {sasl.mechanism: PLAIN}`).
    static let kafkaKey = "kafka"
    /// The repeatable `-X` option: in the file, a list merged per property; its environment
    /// form is `OFFER_WORKER_KAFKA_<PROPERTY>`.
    static let kafkaPropertyOption = "kafka-property"
    /// The hidden option through which the file's librdkafka properties reach ``KafkaOptions``.
    static let fileKafkaPropertyOption = "kafka-property-from-config"
    /// Variables with the prefix that name no option: the librdkafka properties, and the
    /// test suite's switch (docs/testing.md).
    static let otherVariablePrefix = "OFFER_WORKER_KAFKA_"
    static let otherVariables: Set<String> = ["OFFER_WORKER_SKIP_TANSU"]

    /// The command line with the values from the environment and the file added.
    var arguments: [String]
    /// The options of the command, in ArgumentParser's order (help and `--config` left out).
    var options: [Option] = []
    /// Where each option's value comes from, by long name.
    var sources: [String: Source] = [:]
    /// The configuration file, when one is given, and where its name came from.
    var file: (path: String, source: Source)?
    /// Unknown variables and keys, an unreadable file, values of the wrong shape.
    var problems: [String] = []

    /// The command `arguments` name, its options, and the arguments with every option not on
    /// the command line taken from `environment` or the configuration file.
    static func resolve(_ root: any ParsableCommand.Type, _ arguments: [String], environment: [String: String]) -> ConfigurationSources {
        var result = ConfigurationSources(arguments: arguments)
        guard arguments.first != "help" else { return result }
        // The command named by the first words (or the default one).
        var command = root
        var pathLength = 0
        while true {
            if pathLength < arguments.count,
               let next = command.configuration.subcommands.first(where: { $0._commandName == arguments[pathLength] }) {
                command = next
                pathLength += 1
            } else if let next = command.configuration.defaultSubcommand {
                command = next
            } else {
                break
            }
        }
        let all = options(of: command)
        guard all.contains(where: { $0.name == fileOption }) else { return result }
        result.options = all.filter { $0.name != fileOption }
        let typed = Array(arguments[pathLength...])

        // What the command line names.
        var given = Set<String>()
        var filePath: String?
        for (index, token) in typed.enumerated() {
            if token == "--" { break }
            var name: String?
            if token.hasPrefix("--") {
                name = String(token.dropFirst(2).prefix { $0 != "=" })
            } else if token.hasPrefix("-"), token.count >= 2 {
                let short = String(token.dropFirst().prefix(1))
                name = all.first { $0.shortNames.contains(short) }?.name
            }
            guard let name else { continue }
            given.insert(name)
            if name == fileOption {
                if let eq = token.firstIndex(of: "=") {
                    filePath = String(token[token.index(after: eq)...])
                } else if index + 1 < typed.count {
                    filePath = typed[index + 1]
                }
            }
        }

        // Variables that name no option of any command.
        let known = knownOptions(root)
        let fileVariable = Option(name: fileOption, shortNames: [], isFlag: false, isRepeating: false).environmentName
        let knownVariables = Set(known.map { Option(name: $0, shortNames: [], isFlag: false, isRepeating: false).environmentName } + [fileVariable])
        for name in environment.keys.sorted() where name.hasPrefix(environmentPrefix) {
            guard !knownVariables.contains(name), !name.hasPrefix(otherVariablePrefix), !otherVariables.contains(name) else { continue }
            let likely = UnknownFields.suggestion(for: name, among: knownVariables.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
            result.problems.append("\(name): unknown variable\(likely)")
        }

        // The file.
        var fileValues: [String: Node] = [:]
        var fileKafkaProperties: [String] = []
        if let path = filePath {
            result.file = (path, .commandLine)
        } else if let path = environment[fileVariable] {
            result.file = (path, .environment(fileVariable))
            result.arguments.insert("--\(fileOption)=\(path)", at: pathLength)
        }
        if let (path, source) = result.file {
            let label = source == .commandLine ? path : "\(fileVariable)=\(path)"
            result.read(path, label: label, options: result.options, known: known, into: &fileValues, kafka: &fileKafkaProperties)
        }

        // Every option not on the command line: from the environment, else the file.
        var added: [String] = []
        for option in result.options where option.name != fileKafkaPropertyOption {
            if given.contains(option.name) {
                result.sources[option.name] = .commandLine
            } else if option.name != kafkaPropertyOption, let text = environment[option.environmentName] {
                result.sources[option.name] = .environment(option.environmentName)
                if option.isFlag {
                    guard let on = boolean(text) else {
                        result.problems.append("\(option.environmentName)=\(text): expected true or false")
                        continue
                    }
                    if on { added.append("--\(option.name)") }
                } else {
                    added.append("--\(option.name)=\(text)")
                }
            } else if let node = fileValues[option.name], let path = result.file?.path {
                result.sources[option.name] = .file(path)
                if option.isFlag {
                    guard let text = node.scalar?.string, let on = boolean(text) else {
                        result.problems.append("\(path): \(option.name): expected true or false")
                        continue
                    }
                    if on { added.append("--\(option.name)") }
                } else if let text = node.scalar?.string {
                    added.append("--\(option.name)=\(text)")
                } else if option.isRepeating, let items = node.sequence {
                    for item in items {
                        guard let text = item.scalar?.string else {
                            result.problems.append("\(path): \(option.name): expected a list of values")
                            continue
                        }
                        added.append("--\(option.name)=\(text)")
                    }
                } else {
                    result.problems.append("\(path): \(option.name): expected a single value")
                }
            } else {
                result.sources[option.name] = .defaultValue
            }
        }
        if result.options.contains(where: { $0.name == fileKafkaPropertyOption }) {
            added += fileKafkaProperties.map { "--\(fileKafkaPropertyOption)=\($0)" }
        }
        result.options.removeAll { $0.name == fileKafkaPropertyOption }
        result.arguments.insert(contentsOf: added, at: pathLength)
        return result
    }

    /// Reads the file's keys: options of this command into `values`, librdkafka properties
    /// into `kafka` (`key=value`); keys of other commands' options are left for them.
    private mutating func read(_ path: String, label: String, options: [Option], known: Set<String>,
                               into values: inout [String: Node], kafka: inout [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            problems.append("\(label): cannot read the configuration file")
            return
        }
        let document: Node?
        do {
            document = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            problems.append("\(path): \(CatalogFile.yamlProblem(error))")
            return
        }
        guard let document else { return }
        guard let mapping = document.mapping else {
            problems.append("\(path): expected a map of option names to values (group-id: offers)")
            return
        }
        let names = Set(options.map(\.name))
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? "\(keyNode)"
            switch key {
            case Self.kafkaKey:
                guard let properties = value.mapping else {
                    problems.append("\(path): kafka: expected a map of librdkafka properties (sasl.mechanism: PLAIN)")
                    continue
                }
                for (name, setting) in properties {
                    guard let name = name.string, let text = setting.scalar?.string else {
                        problems.append("\(path): kafka: \(name.string ?? "?"): expected a single value")
                        continue
                    }
                    kafka.append("\(name)=\(text)")
                }
            case Self.kafkaPropertyOption:
                for item in value.sequence.map(Array.init) ?? [value] {
                    guard let text = item.scalar?.string, let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                        problems.append("\(path): kafka-property: expected key=value (got '\(item.scalar?.string.prefix { $0 != "=" } ?? "a list or map")')")
                        continue
                    }
                    kafka.append(text)
                }
            case Self.fileOption:
                problems.append("\(path): config: a configuration file cannot name another")
            default:
                if names.contains(key) {
                    values[key] = value
                } else if !known.contains(key) {
                    let likely = UnknownFields.suggestion(for: key, among: known.sorted() + [Self.kafkaKey])
                    problems.append("\(path): \(key): unknown option" + (likely.map { " (did you mean '\($0)'?)" } ?? ""))
                }
            }
        }
    }

    /// `true`/`false` and their usual spellings.
    private static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    /// The value `arguments` give the option (the last one, for an option given twice); a
    /// flag's is `true` or `false`. `nil` when absent (the default applies).
    func value(of option: Option) -> String? {
        values(of: option).last ?? (option.isFlag ? "false" : nil)
    }

    /// Every value `arguments` give the option, in order.
    func values(of option: Option) -> [String] {
        var found: [String] = []
        var index = arguments.startIndex
        let names = ["--\(option.name)"] + option.shortNames.map { "-\($0)" }
        while index < arguments.endIndex {
            let token = arguments[index]
            if token == "--" { break }
            if names.contains(token) {
                if option.isFlag {
                    found.append("true")
                } else if index + 1 < arguments.endIndex {
                    found.append(arguments[index + 1])
                    index += 1
                }
            } else if let name = names.first(where: { token.hasPrefix($0 + "=") }) {
                found.append(String(token.dropFirst(name.count + 1)))
            }
            index += 1
        }
        return found
    }

    /// The problems with the source of each bad value named: a problem about `--metrics-port`
    /// whose value came from the environment reads `OFFER_WORKER_METRICS_PORT=70000: must be
    /// between 0 and 65535 (got 70000)`, from the file `config.yaml: metrics-port: must be …`.
    func naming(_ problems: [String]) -> [String] {
        problems.map { problem in
            for option in options {
                let flag = "--\(option.name)"
                guard problem.hasPrefix(flag) else { continue }
                var rest = problem.dropFirst(flag.count)
                guard rest.first == " " || rest.first == ":", let source = sources[option.name] else { continue }
                // A problem with the value itself reads as the variable's or the key's; one
                // that relates it to other options keeps its wording, the source added.
                let aboutValue = rest.hasPrefix(":") || rest.hasPrefix(" must ")
                rest = rest.drop { $0 == ":" || $0 == " " }
                switch source {
                case .environment(let name):
                    return aboutValue ? "\(name)=\(value(of: option) ?? ""): \(rest)" : "\(problem) (\(flag) from \(name))"
                case .file(let path):
                    return aboutValue ? "\(path): \(option.name): \(rest)" : "\(problem) (\(flag) from \(path))"
                case .commandLine, .defaultValue:
                    return problem
                }
            }
            return problem
        }
    }

    // ArgumentParser's description of a command (`--experimental-dump-help`'s JSON).

    private struct Help: Decodable {
        struct Command: Decodable {
            var arguments: [Argument]?
            var subcommands: [Command]?
        }
        struct Argument: Decodable {
            struct Name: Decodable { var kind: String; var name: String }
            var kind: String
            var names: [Name]?
            var isRepeating: Bool
            var shouldDisplay: Bool
            var defaultValue: String?
        }
        var command: Command
    }

    /// The options and flags of `command`, help left out. Hidden options are kept (the file's
    /// librdkafka properties pass through one).
    static func options(of command: any ParsableCommand.Type) -> [Option] {
        guard let help = try? JSONDecoder().decode(Help.self, from: Data(command._dumpHelp().utf8)) else { return [] }
        return (help.command.arguments ?? []).compactMap { argument in
            guard argument.kind == "option" || argument.kind == "flag",
                  let long = argument.names?.first(where: { $0.kind == "long" })?.name,
                  long != "help", long != "version" else { return nil }
            return Option(name: long, shortNames: argument.names?.filter { $0.kind == "short" }.map(\.name) ?? [],
                          isFlag: argument.kind == "flag", isRepeating: argument.isRepeating, defaultValue: argument.defaultValue)
        }
    }

    /// The long names of every option of every command that reads the configuration file
    /// (a variable or key is unknown when no command has it).
    static func knownOptions(_ root: any ParsableCommand.Type) -> Set<String> {
        var names = Set<String>()
        func visit(_ command: any ParsableCommand.Type) {
            let options = options(of: command)
            if options.contains(where: { $0.name == fileOption }) {
                names.formUnion(options.map(\.name).filter { $0 != fileOption && $0 != fileKafkaPropertyOption })
            }
            command.configuration.subcommands.forEach(visit)
        }
        visit(root)
        return names
    }
}
