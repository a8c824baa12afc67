import Kafka
import OfferWorker
import Testing

@Suite("Worker readiness: what /readyz reports")
struct WorkerReadinessTests {
    private static func partitions(_ numbers: Int32...) -> [TopicPartition] {
        numbers.flatMap { [TopicPartition(topic: "cart.updated", partition: $0), TopicPartition(topic: "offer.accepted", partition: $0)] }
    }

    @Test("a fresh worker is not ready, and says why")
    func fresh() {
        let status = WorkerReadiness().status()
        #expect(!status.ready)
        #expect(status.reasons == [
            "no partitions assigned yet: still joining the consumer group",
            "offer catalog not loaded yet",
            "consumer has not polled yet",
        ])
    }

    @Test("ready only when every assigned partition is restored, the catalog loaded and the consumer polling")
    func readyWhenEverythingIs() {
        let readiness = WorkerReadiness()
        readiness.catalogLoaded()
        readiness.polled()
        readiness.partitionsAssigned(Self.partitions(0, 2, 5))
        #expect(readiness.status().reasons == ["cart state of partitions 0, 2, 5 not restored yet"])
        readiness.restored(partition: 2)
        readiness.restored(partition: 0)
        #expect(readiness.status().reasons == ["cart state of partitions 5 not restored yet"])
        readiness.restored(partition: 5)
        #expect(readiness.status().ready && readiness.status().reasons.isEmpty)
    }

    @Test("a member with no partitions is ready once it has joined (more workers than partitions)")
    func emptyAssignment() {
        let readiness = WorkerReadiness()
        readiness.catalogLoaded()
        readiness.polled()
        readiness.partitionsAssigned([])
        #expect(readiness.status().ready)
    }

    @Test("a revoked partition no longer counts; assigned again, it must be restored again")
    func revocation() {
        let readiness = WorkerReadiness()
        readiness.catalogLoaded()
        readiness.polled()
        readiness.partitionsAssigned(Self.partitions(0, 1))
        readiness.restored(partition: 0)
        #expect(!readiness.status().ready)
        readiness.partitionsRevoked(Self.partitions(1))
        #expect(readiness.status().ready)
        // One topic's partition 0 leaving keeps the state while the other's stays.
        readiness.partitionsRevoked([TopicPartition(topic: "cart.updated", partition: 0)])
        #expect(readiness.status().ready)
        readiness.partitionsRevoked([TopicPartition(topic: "offer.accepted", partition: 0)])
        readiness.partitionsAssigned(Self.partitions(0))
        #expect(readiness.status().reasons == ["cart state of partitions 0 not restored yet"])
    }

    @Test("a consumer that stopped polling makes the worker not ready, with how long ago it polled")
    func stalePoll() {
        let readiness = WorkerReadiness(maxPollInterval: .seconds(5))
        readiness.catalogLoaded()
        readiness.partitionsAssigned([])
        let polledAt = ContinuousClock.now
        readiness.polled(at: polledAt)
        #expect(readiness.status(now: polledAt + .seconds(5)).ready)
        #expect(readiness.status(now: polledAt + .seconds(12)).reasons == ["consumer last polled 12 s ago (limit 5 s)"])
        readiness.polled(at: polledAt + .seconds(12))
        #expect(readiness.status(now: polledAt + .seconds(13)).ready)
    }
}
