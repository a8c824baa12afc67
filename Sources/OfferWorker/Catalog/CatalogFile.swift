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

    static func isYAML(_ path: String) -> Bool {
        path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    }

    private static func json(from data: Data, path: String) throws -> Data {
        guard isYAML(path) else { return data }
        let document: Any?
        do {
            document = try Yams.load(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw CatalogError(problems: ["not valid YAML: \(error)"])
        }
        guard let document, JSONSerialization.isValidJSONObject(document) else {
            throw CatalogError(problems: [#"$: expected an object with an "offers" list"#])
        }
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
    }
}
