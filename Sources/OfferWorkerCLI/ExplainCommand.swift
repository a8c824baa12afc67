import ArgumentParser
import OfferEngine
import OfferWorker

extension OfferWorkerCommand.Offers {
    /// `offers explain`: why each offer would or would not be shown to a cart.
    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show, for every offer of a catalog, whether a cart would be shown it and why not.",
            discussion: "Runs the worker's own evaluation of a cart.updated event against the catalog, visiting every offer.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

        @Option(help: "Offer catalog file, JSON or YAML: {\"offers\": [...]}.") var offers: String
        @Option(help: "A cart.updated event as JSON.") var cart: String
        @Option(help: "The cart's state as JSON: {\"declinedOffers\": [...], \"presentationCounts\": {...}}.") var session: String?
        @Option(help: "Product availability: a JSON array of product.availability records.") var availability: String?
        @Option(parsing: .unconditional, help: "At most this many offers are presented per cart event.")
        var maxOffersPerCart: WholeNumber = 3
        @Option(help: "text or json.") var format: Format = .text

        func run() async throws {
            var problems: [String] = []
            let limit = maxOffersPerCart.value("--max-offers-per-cart", in: WorkerConfiguration.Bounds.maxOffersPerCart, into: &problems)
            do {
                guard let limit, problems.isEmpty else { throw ConfigurationError(problems: problems) }
                let explainer = try OfferExplainer.load(
                    offers: offers, cart: cart, session: session, availability: availability,
                    settings: OfferEngineSettings(maxOffersPerCart: limit))
                print(format == .json ? explainer.json() : explainer.text())
            } catch let error as ConfigurationError {
                for problem in error.problems { print(problem) }
                throw ExitCode.failure
            }
        }
    }
}
