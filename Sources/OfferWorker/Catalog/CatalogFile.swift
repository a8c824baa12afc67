import Foundation
import OfferEngine
import Yams

/// An offer catalog file: `{"offers": [...]}` as JSON, or the same document as YAML
/// (`.yaml`/`.yml`). Prices stay strings in YAML too: quote them (`unitPrice: "999.00"`).
public enum CatalogFile {
    /// Reads and validates the file; the error lists every problem, each with the file and
    /// its path in the document.
    public static func load(path: String) throws(ConfigurationError) -> OfferCatalog {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(problems: ["cannot read offers file \(path): \(error.localizedDescription)"])
        }
        do {
            return try OfferCatalog.load(json: try json(from: data, path: path))
        } catch let error as CatalogError {
            throw ConfigurationError(problems: error.problems.map { "\(path): \($0)" })
        } catch {
            throw ConfigurationError(problems: ["\(path): \(error)"])
        }
    }

    /// A YAML syntax error on one line, its position given once, in the style of JSON ones:
    /// `line 4, column 11: not valid YAML: did not find expected ',' or ']' (while parsing
    /// a flow sequence at line 3, column 11)`. (Yams' own text repeats the position and
    /// quotes the line, over several lines, which a log line repeats in turn.)
    public static func yamlProblem(_ error: any Error) -> String {
        func at(_ mark: Mark) -> String { "line \(mark.line), column \(mark.column)" }
        func while_(_ context: YamlError.Context?) -> String {
            context.map { " (\($0.text) at \(at($0.mark)))" } ?? ""
        }
        switch error {
        case YamlError.scanner(let context, let problem, let mark, _), YamlError.parser(let context, let problem, let mark, _),
             YamlError.composer(let context, let problem, let mark, _):
            return "\(at(mark)): not valid YAML: \(problem)\(while_(context))"
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            return "\(at(context.mark)): not valid YAML: a key is given twice: \(duplicates.sorted().joined(separator: ", "))"
        default:
            return "not valid YAML: \(error)".replacingOccurrences(of: "\n", with: " ")
        }
    }

    static func isYAML(_ path: String) -> Bool {
        path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    }

    private static func json(from data: Data, path: String) throws -> Data {
        guard isYAML(path) else { return data }
        let document: Any?
        do {
            document = try Yams.load(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw CatalogError(problems: [yamlProblem(error)])
        }
        guard let document, JSONSerialization.isValidJSONObject(document) else {
            throw CatalogError(problems: [#"$: expected an object with an "offers" list"#])
        }
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
    }
}
