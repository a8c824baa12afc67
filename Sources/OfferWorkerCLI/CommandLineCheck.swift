import Foundation
import ArgumentParser
import OfferEngine
import OfferWorker

/// Parses a command line so that one run reports every mistake in it.
///
/// ArgumentParser stops at the first unknown option or unreadable value. Here, each such
/// mistake is noted and its token (with the value that followed an unknown option) taken out,
/// and the rest parsed again, until it parses; then the command's own problems
/// (``CheckedCommand/optionProblems()``) are added and everything is reported together, in
/// the style of every other configuration problem (`Error: invalid configuration:` and a
/// list). Nothing is started or connected to when there is a problem.
enum CommandLineCheck {
    /// The parsed command, or every problem of the command line.
    enum Outcome {
        /// The command, with where its options' values came from.
        case command(any ParsableCommand, ConfigurationSources)
        /// Nothing more can be read (help was asked for, or a mistake that cannot be taken
        /// out): exit with this error as ArgumentParser would.
        case stop(any Error)
        case problems([String])
    }

    /// One argument, with where it came from, so a value can be recognised after earlier
    /// tokens were taken out.
    private struct Token {
        var position: Int
        var text: String
    }

    /// Options missing from `arguments` are taken from `environment` and the configuration
    /// file first (``ConfigurationSources``); their problems are listed after the command
    /// line's, and a bad value from either is reported naming the variable or file.
    static func parse<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String],
                                             environment: [String: String] = ProcessInfo.processInfo.environment) -> Outcome {
        // A first word that names no command would be read as an argument of the default
        // command, and the rest checked against the wrong options: it is the one problem.
        let commands = root.configuration.subcommands.map { $0._commandName }
        if let first = arguments.first, !first.hasPrefix("-"), !commands.contains(first), first != "help" {
            let likely = UnknownFields.suggestion(for: first, among: commands).map { "did you mean '\($0)'? " } ?? ""
            return .problems(["'\(first)' is not a command (\(likely)commands: \(commands.joined(separator: ", ")))"])
        }
        let sources = ConfigurationSources.resolve(root, arguments, environment: environment)
        var tokens = sources.arguments.enumerated().map { Token(position: $0.offset, text: $0.element) }
        // The command line's own problems, each at the position of its token, so they are
        // listed in the order they were typed.
        var found: [(position: Int, problem: String)] = []
        var problems: [String] { found.sorted { $0.position < $1.position }.map(\.problem) }
        // Positions of tokens that follow an unknown option: most likely its value, dropped
        // without a second message if the parser has no use for them.
        var valuesOfUnknown = Set<Int>()
        // Every round takes out at least one token, so this ends.
        while true {
            let error: any Error
            do {
                let command = try root.parseAsRoot(tokens.map(\.text))
                guard !found.isEmpty || !sources.problems.isEmpty else { return .command(command, sources) }
                let checked = (command as? any CheckedCommand)?.optionProblems() ?? []
                return .problems(sources.naming(unique(problems + sources.problems + checked)))
            } catch let caught {
                error = caught
            }
            if root.exitCode(for: error) == .success { return .stop(error) }
            let message = root.message(for: error)
            if let (option, suggestion) = unknownOption(message), let index = index(of: option, in: tokens) {
                found.append((tokens[index].position, "\(option): unknown option" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")))
                if !tokens[index].text.contains("="), index + 1 < tokens.count, !tokens[index + 1].text.hasPrefix("-") {
                    valuesOfUnknown.insert(tokens[index + 1].position)
                }
                tokens.remove(at: index)
            } else if let values = unexpectedArguments(message), !values.isEmpty {
                for value in values {
                    if let index = tokens.firstIndex(where: { $0.text == value && valuesOfUnknown.contains($0.position) }) {
                        tokens.remove(at: index)
                    } else if let index = tokens.firstIndex(where: { $0.text == value }) {
                        found.append((tokens[index].position, "unexpected argument '\(value)'"))
                        tokens.remove(at: index)
                    } else {
                        return finish(problems + sources.problems, message, error)
                    }
                }
            } else if let (option, value) = invalidValue(message), let index = index(of: option, value: value, in: tokens) {
                found.append((tokens[index].position, "\(option): '\(value)' is not a valid value"))
                let attached = tokens[index].text.hasPrefix(option + "=")
                tokens.removeSubrange(index...(attached ? index : index + 1))
            } else if let option = missingValue(message), let index = tokens.lastIndex(where: { $0.text == option }) {
                found.append((tokens[index].position, "\(option) needs a value"))
                tokens.remove(at: index)
            } else {
                return finish(problems + sources.problems, message, error)
            }
        }
    }

    /// Runs the command the arguments name, or exits with every problem of the command line.
    static func main<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String]) async {
        switch parse(root, arguments) {
        case .stop(let error):
            root.exit(withError: error)
        case .problems(let problems):
            root.exit(withError: ConfigurationError(problems: problems))
        case .command(var command, let sources):
            do {
                if var command = command as? any AsyncParsableCommand {
                    try await command.run()
                } else {
                    try command.run()
                }
            } catch let error as ConfigurationError {
                root.exit(withError: ConfigurationError(problems: sources.naming(error.problems)))
            } catch {
                root.exit(withError: error)
            }
        }
    }

    /// The problems so far and the one that cannot be taken out; or, when it is the only
    /// one, ArgumentParser's own report (with its usage line).
    private static func finish(_ problems: [String], _ message: String, _ error: any Error) -> Outcome {
        problems.isEmpty ? .stop(error) : .problems(unique(problems + [message]))
    }

    private static func unique(_ problems: [String]) -> [String] {
        var seen = Set<String>()
        return problems.filter { seen.insert($0).inserted }
    }

    /// The token that is `option`, or `option=value`.
    private static func index(of option: String, in tokens: [Token]) -> Int? {
        tokens.firstIndex { $0.text == option || $0.text.hasPrefix(option + "=") }
    }

    /// The token `option` followed by `value`, or `option=value`.
    private static func index(of option: String, value: String, in tokens: [Token]) -> Int? {
        tokens.indices.first { index in
            tokens[index].text == option + "=" + value
                || (tokens[index].text == option && index + 1 < tokens.count && tokens[index + 1].text == value)
        }
    }

    // ArgumentParser's messages (1.x) name what went wrong; these read them back.

    /// `Unknown option '--bogus'` or `Unknown option '--comit'. Did you mean '--commit'?`
    private static func unknownOption(_ message: String) -> (String, String?)? {
        let parts = quoted(message)
        guard message.hasPrefix("Unknown option '"), let option = parts.first else { return nil }
        // ArgumentParser suggests any name within three edits (`--x` → `--to`); only a
        // suggestion as close as the catalog's (``UnknownFields``) is kept.
        let suggestion = message.contains("Did you mean") ? parts.dropFirst().first : nil
        let close = suggestion.flatMap { candidate in
            UnknownFields.suggestion(for: option.trimmingPrefix(while: { $0 == "-" }).description,
                                     among: [candidate.trimmingPrefix(while: { $0 == "-" }).description])
        }
        return (option, close.flatMap { _ in suggestion })
    }

    /// `Unexpected argument 'x'` or `2 unexpected arguments: 'x', 'y'`.
    private static func unexpectedArguments(_ message: String) -> [String]? {
        guard message.hasPrefix("Unexpected argument '") || message.contains("unexpected arguments: '") else { return nil }
        return quoted(message)
    }

    /// `The value 'x' is invalid for '--option <name>'`.
    private static func invalidValue(_ message: String) -> (option: String, value: String)? {
        let parts = quoted(message)
        guard message.hasPrefix("The value '"), message.contains("' is invalid for '"), parts.count >= 2 else { return nil }
        return (String(parts[1].prefix { $0 != " " }), parts[0])
    }

    /// `Missing value for '--option <name>'`.
    private static func missingValue(_ message: String) -> String? {
        guard message.hasPrefix("Missing value for '"), let option = quoted(message).first else { return nil }
        return String(option.prefix { $0 != " " })
    }

    /// The texts between single quotes, in order.
    private static func quoted(_ message: String) -> [String] {
        message.split(separator: "'", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}
