import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

@Suite("Exactly-once mode on the embedded broker", .serialized)
struct ExactlyOnceTests {
    @Test("outputs, state and offsets go in transactions; a restart emits nothing twice")
    func transactions() async throws {
        let harness = try await WorkerHarness(offers: Fixtures.offers, guarantee: .exactlyOnce)
        let carts = (0..<20).map { Fixtures.cart("eos-\($0)", lines: [Fixtures.phoneLine]) }
        try await harness.send(carts)
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 40)
        let upsells = presented.filter { $0.offerKind == .upsell }.sorted { $0.cartId < $1.cartId }
        try await harness.send(upsells.map { Fixtures.accept($0.presentationId, cart: $0.cartId, minute: 3, event: "eos-accept-\($0.cartId)") })

        let inputs = try await harness.inputs(carts: 20, acceptances: upsells.count)
        let reconciliation = try Reconciliation(inputs: inputs, offers: Fixtures.offers)
        #expect(try await reconciliation.check(kafka: harness.kafka) == 0)

        // A second worker with the same transactional id replaces the first. The embedded
        // broker does not store offsets committed in a transaction, so it reads every input
        // again; the restored state recognises them all and nothing is emitted twice.
        try await harness.worker.stop()
        let second = harness.startWorker()
        try await Task.sleep(for: .seconds(8))
        #expect(try await reconciliation.check(kafka: harness.kafka) == 0, "re-reading the inputs must not duplicate outputs")
        try await second.stop()
        harness.producer.close()
    }
}
