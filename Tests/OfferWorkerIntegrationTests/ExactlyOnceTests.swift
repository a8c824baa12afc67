import Foundation
import Kafka
import OfferEngine
import OfferWorker
import Testing

@Suite("Exactly-once mode", .serialized)
struct ExactlyOnceTests {
    @Test("outputs, state and offsets go in transactions; a restart emits nothing twice", arguments: Broker.all)
    func transactions(broker: Broker) async throws {
        let harness = try await WorkerHarness(on: broker, offers: Fixtures.offers, guarantee: .exactlyOnce)
        let carts = (0..<20).map { Fixtures.cart("eos-\($0)", lines: [Fixtures.phoneLine]) }
        try await harness.send(carts)
        let presented = try await harness.read(OfferPresented.self, harness.topics.offerPresented, count: 40)
        let upsells = presented.filter { $0.offerKind == .upsell }.sorted { $0.cartId < $1.cartId }
        try await harness.send(upsells.map { Fixtures.accept($0.presentationId, cart: $0.cartId, minute: 3, event: "eos-accept-\($0.cartId)") })

        let inputs = try await harness.inputs(carts: 20, acceptances: upsells.count)
        let reconciliation = try Reconciliation(inputs: inputs, offers: Fixtures.offers)
        #expect(try await reconciliation.check(kafka: harness.kafka) == 0)

        // A second worker with the same transactional id replaces the first. It restores the
        // changelog, which on a real broker ends on a transaction's commit marker (an offset
        // that holds no record), and carries on with new carts.
        try await harness.worker.stop()
        let second = harness.startWorker()
        try await harness.send((20..<25).map { Fixtures.cart("eos-\($0)", minute: 4, lines: [Fixtures.phoneLine]) })
        let all = try await harness.inputs(carts: 25, acceptances: upsells.count)
        switch broker {
        case .mock:
            // The mock does not store offsets committed in a transaction, so the second worker
            // reads every input again; the restored state recognises them all.
            try await Task.sleep(for: .seconds(8))
        case .tansu:
            // A real broker stores them: the second worker resumes where the first committed.
            try await harness.waitUntilCommitted(all)
        }
        #expect(try await Reconciliation(inputs: all, offers: Fixtures.offers).check(kafka: harness.kafka) == 0,
                "re-reading the inputs must not duplicate outputs")
        try await second.stop()
        await harness.producer.close()
    }
}
