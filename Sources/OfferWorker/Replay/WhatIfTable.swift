import OfferEngine

/// The what-if report as a table for a terminal: one row per offer, and with a baseline,
/// each figure as `baseline → replay (difference)`.
public enum WhatIfTable {
    /// The text of `summary`, ending with a newline.
    public static func render(_ summary: WhatIfSummary) -> String {
        var text = headline(summary.replay, label: summary.baseline == nil ? "replay" : "replay  ")
        if let baseline = summary.baseline { text += headline(baseline, label: "baseline") }
        text += "\n"
        let headers = ["offer", "presented", "honoured", "rejected expired", "rejected unknown", "rejected mismatch", "declined", "presented value"]
        var rows: [[String]] = []
        if let baseline = summary.baseline {
            for (new, old) in zip(summary.replay.offers, baseline.offers) {
                rows.append([name(new, old)] + figures(new).indices.map { change(figures(old)[$0], figures(new)[$0]) }
                    + [valueChange(old.presentedValue, new.presentedValue)])
            }
            if (baseline.rejectedWithoutOffer.values.contains { $0 > 0 } || summary.replay.rejectedWithoutOffer.values.contains { $0 > 0 }) {
                rows.append(["(no offer)", "", ""]
                    + reasons.map { change(baseline.rejectedWithoutOffer[$0] ?? 0, summary.replay.rejectedWithoutOffer[$0] ?? 0) } + ["", ""])
            }
        } else {
            for offer in summary.replay.offers {
                rows.append([name(offer, nil)] + figures(offer).map(String.init) + [values(offer.presentedValue)])
            }
            if summary.replay.rejectedWithoutOffer.values.contains(where: { $0 > 0 }) {
                rows.append(["(no offer)", "", ""] + reasons.map { String(summary.replay.rejectedWithoutOffer[$0] ?? 0) } + ["", ""])
            }
        }
        text += table(headers: headers, rows: rows)
        return text
    }

    private static let reasons = [RejectionReason.expired, .unknownPresentation, .cartMismatch].map(\.rawValue)

    private static func figures(_ offer: WhatIfReport.OfferFigures) -> [Int] {
        [offer.presentations, offer.acceptancesHonoured] + reasons.map { offer.rejected[$0] ?? 0 } + [offer.declines]
    }

    private static func name(_ offer: WhatIfReport.OfferFigures, _ other: WhatIfReport.OfferFigures?) -> String {
        switch (offer.inCatalog, other?.inCatalog) {
        case (true, false?): offer.offerId + " (new)"
        case (false, true?): offer.offerId + " (removed)"
        case (false, nil), (false, false?): offer.offerId + " (not in catalog)"
        default: offer.offerId
        }
    }

    private static func headline(_ report: WhatIfReport, label: String) -> String {
        let topics = report.inputRecordsByTopic.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let outputs = report.outputRecordsByTopic.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(label) \(report.catalog): \(report.inputRecords) records in (\(topics.isEmpty ? "none" : topics)); "
            + "out: \(outputs.isEmpty ? "none" : outputs); \(report.deadLetters) dead letters; \(report.idleCartsEvicted) idle carts forgotten\n"
    }

    private static func change(_ old: Int, _ new: Int) -> String {
        let difference = new - old
        return "\(old) → \(new) (\(difference > 0 ? "+" : "")\(difference))"
    }

    private static func values(_ amounts: [String: DecimalAmount]) -> String {
        amounts.isEmpty ? "-" : amounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    private static func valueChange(_ old: [String: DecimalAmount], _ new: [String: DecimalAmount]) -> String {
        let currencies = Set(old.keys).union(new.keys).sorted()
        guard !currencies.isEmpty else { return "-" }
        return currencies.map { currency in
            // A side without the currency shows zero at the other side's scale: 0.00, not 0.
            let before = old[currency] ?? DecimalAmount(mantissa: 0, scale: new[currency]?.scale ?? 0)
            let after = new[currency] ?? DecimalAmount(mantissa: 0, scale: before.scale)
            let difference = after.adding(DecimalAmount(mantissa: -before.mantissa, scale: before.scale)) ?? .zero
            return "\(currency) \(before) → \(after) (\(difference.isNegative || difference == .zero ? "" : "+")\(difference))"
        }.joined(separator: ", ")
    }

    /// Left-aligned first column, right-aligned figures, two spaces between columns.
    private static func table(headers: [String], rows: [[String]]) -> String {
        let widths = headers.indices.map { column in
            ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            let text = cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 || column == cells.count - 1 ? cell + pad : pad + cell
            }.joined(separator: "  ")
            return String(text.reversed().drop { $0 == " " }.reversed()) + "\n"
        }
        return ([line(headers)] + rows.map(line)).joined()
    }
}
