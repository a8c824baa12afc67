import OfferEngine

extension WorkerConfiguration {
    /// The engine settings the configuration sets.
    var engineSettings: OfferEngineSettings {
        OfferEngineSettings(maxOffersPerCart: maxOffersPerCart, presentationRetentionSeconds: presentationRetentionSeconds)
    }
}

extension EventProcessor {
    /// The processor a worker with `configuration` runs over `catalog`. `run` and `replay`
    /// both build theirs here, so a replay processes records with exactly the limits, topic
    /// names and codec the live worker would.
    init(configuration: WorkerConfiguration, catalog: OfferCatalog, metrics: WorkerMetrics? = nil) {
        let metrics = metrics ?? WorkerMetrics(offerLabelLimit: configuration.offerLabelLimit)
        self.init(
            engine: OfferEngine(catalog: catalog, settings: configuration.engineSettings),
            topics: configuration.topics, eventSource: configuration.eventSource, metrics: metrics,
            codec: EventCodec(limits: configuration.limits),
            maxEventTimeAhead: configuration.maxEventTimeAhead, maxEventTimeBehind: configuration.maxEventTimeBehind,
            maxStateBytes: configuration.maxStateBytes, maxDeadLetterBytes: configuration.maxDeadLetterBytes)
    }
}
