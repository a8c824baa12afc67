import ArgumentParser
import OfferWorker

/// A command that can list every problem with its options without starting or connecting to
/// anything. ``CommandLineCheck`` uses it to report an unknown or malformed flag together with
/// the command's own problems (bad numbers and names, refused librdkafka properties, an
/// unreadable catalog), so a user fixes a command line in one round.
protocol CheckedCommand: AsyncParsableCommand {
    /// Every problem with the options as given; empty when the command can start.
    func optionProblems() -> [String]
}

extension CheckedCommand {
    /// The problems `settings` throws: each command builds its settings in one function that
    /// collects every problem, and both `run()` and ``optionProblems()`` call it.
    static func problems<T>(of settings: () throws -> T) -> [String] {
        do {
            _ = try settings()
            return []
        } catch let error as ConfigurationError {
            return error.problems
        } catch {
            return ["\(error)"]
        }
    }
}
