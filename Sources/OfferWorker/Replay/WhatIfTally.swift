import Foundation
import Kafka
import OfferEngine

/// Counts a replay's figures (``WhatIfReport``) record by record, from the outputs the
/// worker's processing gave and the offers its state recorded as declined.
struct WhatIfTally {
    private let topics: TopicNames
    private let catalog: OfferCatalog
    private var report: WhatIfReport
    private var offers: [String: WhatIfReport.OfferFigures]
    private let decoder = JSONDecoder()

    // The parts of the outputs the figures need (decoding less than the whole event).
    private struct Presented: Decodable {
        struct Item: Decodable {
            var quantity: Int
            var unitPrice: DecimalAmount
        }
        var offerId: String
        var items: [Item]
    }
    private struct Honoured: Decodable { var offerId: String }
    private struct Rejected: Decodable {
        var offerId: String?
        var reason: String
    }
    private struct CartCurrency: Decodable { var currency: String }

    init(catalog: OfferCatalog, name: String, topics: TopicNames) {
        self.topics = topics
        self.catalog = catalog
        report = WhatIfReport(catalog: name)
        offers = Dictionary(uniqueKeysWithValues: catalog.offers.map { ($0.offerId, WhatIfReport.OfferFigures(offerId: $0.offerId, inCatalog: true)) })
    }

    /// Counts one input record, the outputs it caused, the offers it made the cart decline
    /// and the idle carts forgotten after it.
    mutating func count(_ input: ConsumerRecord, outputs: [ProducerRecord], declined: [String], evicted: Int) {
        report.inputRecords += 1
        report.inputRecordsByTopic[input.topic, default: 0] += 1
        report.idleCartsEvicted += evicted
        for offerId in declined { offers[offerId, default: .init(offerId: offerId, inCatalog: false)].declines += 1 }
        var currency: String?
        for output in outputs {
            report.outputRecordsByTopic[output.topic, default: 0] += 1
            if output.topic == topics.deadLetter {
                report.deadLetters += 1
                continue
            }
            guard let value = output.value else { continue }
            switch output.topic {
            case topics.offerPresented:
                guard let presented = try? decoder.decode(Presented.self, from: Data(value)) else { continue }
                var figures = offers[presented.offerId, default: .init(offerId: presented.offerId, inCatalog: false)]
                figures.presentations += 1
                if currency == nil { currency = catalog[presented.offerId]?.currency ?? cartCurrency(of: input) }
                if let currency {
                    let value = presented.items.reduce(DecimalAmount.zero) { total, item in
                        item.unitPrice.multiplied(by: item.quantity).flatMap { total.adding($0) } ?? total
                    }
                    figures.presentedValue[currency] = (figures.presentedValue[currency] ?? .zero).adding(value) ?? figures.presentedValue[currency]
                }
                offers[presented.offerId] = figures
            case topics.cartMutation:
                guard let honoured = try? decoder.decode(Honoured.self, from: Data(value)) else { continue }
                offers[honoured.offerId, default: .init(offerId: honoured.offerId, inCatalog: false)].acceptancesHonoured += 1
            case topics.offerRejected:
                guard let rejected = try? decoder.decode(Rejected.self, from: Data(value)) else { continue }
                if let offerId = rejected.offerId {
                    offers[offerId, default: .init(offerId: offerId, inCatalog: false)].rejected[rejected.reason, default: 0] += 1
                } else {
                    report.rejectedWithoutOffer[rejected.reason, default: 0] += 1
                }
            default:
                break
            }
        }
    }

    /// The figures so far, offers by offerId.
    var figures: WhatIfReport {
        var result = report
        result.offers = offers.values.sorted { $0.offerId < $1.offerId }
        return result
    }

    private func cartCurrency(of input: ConsumerRecord) -> String? {
        guard let value = input.value else { return nil }
        return (try? decoder.decode(CartCurrency.self, from: Data(value)))?.currency
    }
}
