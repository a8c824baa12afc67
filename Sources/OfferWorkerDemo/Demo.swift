import Foundation
import Kafka
import Logging
import OfferEngine
import OfferWorker
import ServiceLifecycle

/// The end-to-end demo: an embedded broker, the worker, the sample offers and carts, and a
/// shopper accepting offers — printed as it happens.
public struct Demo: Sendable {
    public var partitions: Int
    public var print: @Sendable (String) -> Void

    public init(partitions: Int = 3, print: @escaping @Sendable (String) -> Void = { Swift.print($0) }) {
        self.partitions = partitions
        self.print = print
    }

    /// Runs the demo; throws when an expected event does not arrive in time.
    public func run() async throws {
        let codec = EventCodec()
        let catalog = try OfferCatalog.load(json: try Self.sample("offers"))
        let carts = try JSONDecoder().decode([CartUpdated].self, from: try Self.sample("carts"))
        let topics = TopicNames()
        let cluster = try EmbeddedKafkaCluster.withWorkerTopics(topics, partitions: partitions)
        let kafka = KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers])
        print("Embedded Kafka broker at \(cluster.bootstrapServers); topics \(topics.all.joined(separator: ", "))")
        print("Catalog: " + catalog.offers.map { "\($0.offerId) (\($0.kind.rawValue), \($0.status.rawValue))" }.joined(separator: ", "))

        var workerLogger = Logger(label: "offer-worker")
        workerLogger.logLevel = .warning
        let availabilityTopic = "product.availability"
        try cluster.createTopic(availabilityTopic, partitions: 1)
        var configuration = WorkerConfiguration(kafka: kafka, groupId: "offer-worker-demo")
        configuration.availabilityTopic = availabilityTopic
        let worker = OfferWorker(configuration: configuration, catalog: catalog, logger: workerLogger)
        let group = ServiceGroup(services: [worker], logger: workerLogger)

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let producer = try KafkaProducer(configuration: kafka)
            let outputs = try await KafkaTopicReader(configuration: kafka, topics: topics.outputs)

            print("\n== 1. Carts change: the worker evaluates every active offer ==")
            try await producer.sendAll(carts.map { ProducerRecord(topic: topics.cartUpdated, key: Array($0.cartId.utf8), value: codec.encode($0), timestamp: $0.occurredAt.millisecondsSinceEpoch) })
            var presented: [String: [OfferPresented]] = [:]
            for cart in carts { print("cart.updated   \(describe(cart))") }
            let presentations = try await outputs.read(OfferPresented.self, from: topics.offerPresented, count: 4)
            for p in presentations { presented[p.cartId, default: []].append(p) }
            for cart in carts {
                let offers = presented[cart.cartId] ?? []
                print("\n\(cart.cartId): \(offers.isEmpty ? "no offer" : "\(offers.count) offer(s)")")
                for p in offers { print("  offer.presented  \(describe(p))") }
            }
            print("  (cart-1002 already holds care-plan-2y, so care-plan is not offered; winter-sale is paused;")
            print("   protect-bundle-clear gives way to protect-bundle, first in their exclusivity group)")

            print("\n== 2. Shoppers accept offers ==")
            let upsell = try pick(presented, cart: "cart-1001", offer: "pro-upgrade")
            let crossSell = try pick(presented, cart: "cart-1002", offer: "protect-bundle")
            let carePlan = try pick(presented, cart: "cart-1001", offer: "care-plan")
            let acceptances = [
                accept(upsell, "evt-accept-1", at: "2026-11-24T10:05:00Z", note: "accepts the upsell"),
                accept(crossSell, "evt-accept-2", at: "2026-11-24T10:06:00Z", note: "accepts the cross-sell"),
                accept(upsell, "evt-accept-3", at: "2026-11-24T10:05:30Z", note: "clicks accept twice (nothing new)"),
                accept(carePlan, "evt-accept-4", at: "2026-11-24T10:30:00Z", note: "accepts care-plan after its 10 minutes"),
                OfferAccepted(eventId: "evt-accept-5", cartId: "cart-1003", presentationId: upsell.presentationId, occurredAt: EventTime(rfc3339: "2026-11-24T10:07:00Z")!),
            ]
            print("offer.accepted cart-1003 tries pro-upgrade's presentation from cart-1001")
            try await producer.sendAll(acceptances.map { ProducerRecord(topic: topics.offerAccepted, key: Array($0.cartId.utf8), value: codec.encode($0), timestamp: $0.occurredAt.millisecondsSinceEpoch) })
            let mutations = try await outputs.read(CartMutation.self, from: topics.cartMutation, count: 2)
            let rejections = try await outputs.read(OfferRejected.self, from: topics.offerRejected, count: 2)
            for m in mutations.sorted(by: { $0.cartId < $1.cartId }) { print("  cart.mutation    \(describe(m))") }
            for r in rejections.sorted(by: { $0.cartId < $1.cartId }) {
                print("  offer.rejected   \(r.cartId) \(r.offerId ?? "(offer not shown to this cart)") presentation …\(r.presentationId.suffix(12)): \(r.reason.rawValue)")
            }

            print("\n== 3. phone-case-black sells out: the next offer in priority order takes its place ==")
            let soldOut = #"{"variantId":"phone-case-black","available":false,"updatedAt":"2026-11-24T10:08:00Z"}"#
            try await producer.sendAll([ProducerRecord(topic: availabilityTopic, key: Array("phone-case-black".utf8), value: Array(soldOut.utf8))])
            print("\(availabilityTopic) \(soldOut)")
            // The worker follows the topic; the change applies from the next cart event on.
            try await Task.sleep(for: .seconds(1))
            var cart = try require(carts.first { $0.cartId == "cart-1001" }, "cart-1001 in the samples")
            cart.cartId = "cart-1004"
            cart.eventId = "evt-cart-1004-1"
            cart.occurredAt = EventTime(rfc3339: "2026-11-24T10:09:00Z")!
            print("cart.updated   \(describe(cart))")
            try await producer.sendAll([ProducerRecord(topic: topics.cartUpdated, key: Array(cart.cartId.utf8), value: codec.encode(cart), timestamp: cart.occurredAt.millisecondsSinceEpoch)])
            for p in try await outputs.read(OfferPresented.self, from: topics.offerPresented, count: 3) {
                print("  offer.presented  \(describe(p))")
            }
            print("  (protect-bundle offers phone-case-black, which is out of stock: protect-bundle-clear is the fallback)")

            await producer.close()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            print("\nDone: the worker flushed its outputs, committed its offsets and left the group.")
        }
    }

    private func accept(_ p: OfferPresented, _ eventId: String, at time: String, note: String) -> OfferAccepted {
        print("offer.accepted \(p.cartId) \(note): \(p.offerId)")
        return OfferAccepted(eventId: eventId, cartId: p.cartId, presentationId: p.presentationId, occurredAt: EventTime(rfc3339: time)!)
    }

    private func require<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw DemoError("expected \(what)") }
        return value
    }

    private func pick(_ presented: [String: [OfferPresented]], cart: String, offer: String) throws -> OfferPresented {
        guard let p = presented[cart]?.first(where: { $0.offerId == offer }) else {
            throw DemoError("expected \(offer) to be presented to \(cart)")
        }
        return p
    }

    private func describe(_ cart: CartUpdated) -> String {
        let lines = cart.lines.map { "\($0.quantity) × \($0.variantId) @ \($0.unitPrice)" }.joined(separator: ", ")
        return "\(cart.cartId) v\(cart.version): \(lines) (subtotal \(cart.effectiveSubtotal) \(cart.currency))"
    }

    private func describe(_ p: OfferPresented) -> String {
        let items = p.items.map { item in
            "\(item.quantity) × \(item.variantId) @ \(item.unitPrice)" + (item.compareAtPrice.map { " (was \($0))" } ?? "")
        }.joined(separator: " + ")
        let verb = p.offerKind == .upsell ? "replace \(p.triggerLineIds.joined(separator: ", ")) with" : "add"
        return "\(p.offerId) [\(p.offerKind.rawValue)]: \(verb) \(items), until \(p.expiresAt)"
    }

    private func describe(_ m: CartMutation) -> String {
        let ops = m.operations.map { op -> String in
            switch op {
            case .removeLine(let lineId): "remove \(lineId)"
            case .addLine(_, let variantId, let quantity, let unitPrice, _): "add \(quantity) × \(variantId) @ \(unitPrice)"
            }
        }.joined(separator: "; ")
        return "\(m.cartId) \(m.offerId) [\(m.offerKind.rawValue)] on cart v\(m.basedOnCartVersion): \(ops)"
    }

    static func sample(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Samples") else {
            throw DemoError("sample \(name).json is missing from the demo's resources")
        }
        return try Data(contentsOf: url)
    }
}

struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension KafkaTopicReader {
    /// Reads `count` records of `topic` and decodes them as `T`.
    func read<T: Decodable>(_ type: T.Type, from topic: String, count: Int) async throws -> [T] {
        let codec = EventCodec()
        return try await read(topic: topic, count: count).map { try codec.decode(T.self, from: $0.value ?? []) }
    }
}
