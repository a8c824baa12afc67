import OfferEngine

/// The what-if report of a replay (`--report FILE.json`): the replay's figures and, with
/// `--baseline-offers`, the same input replayed with the baseline catalog and the
/// difference per offer (replay minus baseline), so a catalog change can be judged before
/// it goes live.
public struct WhatIfSummary: Codable, Sendable, Hashable {
    /// Replay minus baseline, per offer of either catalog.
    public struct OfferDifference: Codable, Sendable, Hashable {
        public var offerId: String
        public var presentations: Int
        public var acceptancesHonoured: Int
        public var rejected: [String: Int]
        public var declines: Int
        /// By currency; a currency either side presented is listed, `0` when unchanged.
        public var presentedValue: [String: DecimalAmount]
    }

    public var replay: WhatIfReport
    public var baseline: WhatIfReport?
    public var differences: [OfferDifference]?

    /// The figures of `replay`, compared with `baseline` when there is one. Both reports
    /// get a row for every offer of either catalog, so rows line up.
    public init(replay: WhatIfReport, baseline: WhatIfReport? = nil) {
        guard var baseline else {
            self.replay = replay
            return
        }
        var replay = replay
        let ids = Set(replay.offers.map(\.offerId)).union(baseline.offers.map(\.offerId)).sorted()
        func aligned(_ report: inout WhatIfReport) {
            let rows = Dictionary(uniqueKeysWithValues: report.offers.map { ($0.offerId, $0) })
            report.offers = ids.map { rows[$0] ?? WhatIfReport.OfferFigures(offerId: $0, inCatalog: false) }
        }
        aligned(&replay)
        aligned(&baseline)
        self.replay = replay
        self.baseline = baseline
        differences = zip(replay.offers, baseline.offers).map { new, old in
            var values: [String: DecimalAmount] = [:]
            for currency in Set(new.presentedValue.keys).union(old.presentedValue.keys) {
                let minuend = new.presentedValue[currency] ?? .zero
                let subtrahend = old.presentedValue[currency] ?? .zero
                values[currency] = minuend.adding(DecimalAmount(mantissa: -subtrahend.mantissa, scale: subtrahend.scale)) ?? .zero
            }
            return OfferDifference(
                offerId: new.offerId,
                presentations: new.presentations - old.presentations,
                acceptancesHonoured: new.acceptancesHonoured - old.acceptancesHonoured,
                rejected: new.rejected.merging(old.rejected.mapValues { -$0 }, uniquingKeysWith: +),
                declines: new.declines - old.declines,
                presentedValue: values)
        }
    }
}
