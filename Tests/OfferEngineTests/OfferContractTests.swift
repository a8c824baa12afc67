import Foundation
import Testing
@testable import OfferEngine

/// The offer contract: strict fields, a currency for every price, and every problem of a
/// catalog reported in one run.
@Suite("The offer contract: strict fields, priced currencies, every problem at once")
struct OfferContractTests {
    func load(_ json: String) -> [String] {
        do {
            _ = try OfferCatalog.load(json: Data(json.utf8))
            return []
        } catch {
            return error.problems
        }
    }

    func offer(_ fields: String, item: String = #"{"productId":"p","variantId":"v","quantity":1,"unitPrice":"999.00"}"#) -> String {
        #"{"offers":[{"offerId":"o","kind":"crossSell","status":"active",\#(fields)"displayCriteria":{"subtotal":{"gte":"1"}},"items":[\#(item)]}]}"#
    }

    // MARK: misspelt fields

    @Test("misspelt offer and item fields are refused, each with its path and the likely name, all at once")
    func misspeltFields() {
        let catalog = offer(#""currancy":"EUR","maxPresentationPerCart":1,"holdoutPercentage":50,"endAt":"2020-01-01T00:00:00Z","#,
                            item: #"{"productId":"p","variantId":"v","quantity":1,"unitPrice":"999.00","compareAtprice":"1099.00"}"#)
        #expect(load(catalog) == [
            "offers[0].currancy: unknown field (did you mean 'currency'?)",
            "offers[0].endAt: unknown field (did you mean 'endsAt'?)",
            "offers[0].holdoutPercentage: unknown field (did you mean 'holdoutPercent'?)",
            "offers[0].maxPresentationPerCart: unknown field (did you mean 'maxPresentationsPerCart'?)",
            "offers[0].items[0].compareAtprice: unknown field (did you mean 'compareAtPrice'?)",
            // With "currancy" set aside, the offer has no currency: its bare price has none either.
            #"offers[0].items[0].unitPrice: a price needs a currency: set the offer's "currency", or price the item per currency with "prices" (such as {"EUR": {"fixed": "999.00"}})"#,
        ])
    }

    @Test("unknown fields of price rules, conditions and the catalog are refused too; far-off names list the known ones")
    func unknownFieldsEverywhere() {
        #expect(load(offer(#""currency":"EUR","#, item: #"{"productId":"p","variantId":"v","quantity":1,"prices":{"EUR":{"fixed":"1.00","off":"5"}}}"#))
            == ["offers[0].items[0].prices.EUR.off: unknown field (did you mean 'of'?)"])
        #expect(load(offer(#""currency":"EUR","#, item: #"{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00","sku":"x"}"#))
            == ["offers[0].items[0].sku: unknown field (expected productId, variantId, quantity, unitPrice, compareAtPrice, prices)"])
        #expect(load(#"{"offers":[],"offer":[]}"#) == ["offer: unknown field (did you mean 'offers'?)"])
        let criteria = #"{"offers":[{"offerId":"o","kind":"crossSell","status":"active","currency":"EUR","displayCriteria":{"cartContains":{"productID":["a"]}},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]}]}"#
        // The misspelt selector is reported; "give at least one selector" would only describe
        // the condition without it, so it is left out.
        #expect(load(criteria) == ["offers[0].displayCriteria.cartContains.productID: unknown field (did you mean 'productIds'?)"])
    }

    @Test("a misspelt condition is named with the likely one")
    func misspeltCondition() {
        let catalog = #"{"offers":[{"offerId":"o","kind":"crossSell","status":"active","currency":"EUR","displayCriteria":{"all":[{"cartContain":{"tags":["a"]}},{"subtotal":{"gte":"1"}}]},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]}]}"#
        #expect(load(catalog) == [
            "offers[0].displayCriteria.all[0]: a condition has exactly one of all, any, not, cartContains, subtotal, itemCount, lineCount, currency, customer, attribute, schedule, excludes; found cartContain (did you mean 'cartContains'?)",
        ])
    }

    @Test("a decoded offer keeps no unknown field: decoding directly throws too")
    func decoderIsStrict() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Offer.self, from: Data(#"{"offerId":"o","kind":"crossSell","status":"active","currency":"EUR","currancy":"EUR","displayCriteria":{"subtotal":{"gte":"1"}},"items":[]}"#.utf8))
        }
    }

    @Test("likely names: case, typos, a missing or extra letter, swapped letters; nothing for far-off names", arguments: [
        ("currancy", "currency"), ("compareAtprice", "compareAtPrice"), ("endAt", "endsAt"), ("holdoutPercentage", "holdoutPercent"),
        ("maxPresentationPerCart", "maxPresentationsPerCart"), ("priorty", "priority"), ("ttlSecond", "ttlSeconds"), ("kidn", "kind"),
        ("OFFERID", "offerId"), ("sku", nil), ("colour", nil), ("x", nil),
    ] as [(String, String?)])
    func suggestions(typed: String, expected: String?) {
        #expect(UnknownFields.suggestion(for: typed, among: Offer.CodingKeys.allCases.map(\.stringValue) + Offer.itemFields) == expected)
    }

    // MARK: every price has a currency

    @Test("a bare unitPrice without the offer's currency is refused: it would be shown to yen and euro carts alike")
    func bareUnitPriceNeedsCurrency() {
        #expect(load(offer("")) == [
            #"offers[0].items[0].unitPrice: a price needs a currency: set the offer's "currency", or price the item per currency with "prices" (such as {"EUR": {"fixed": "999.00"}})"#,
        ])
        #expect(load(offer(#""currency":"EUR","#)).isEmpty)
        // Per-currency prices carry their currencies.
        #expect(load(offer("", item: #"{"productId":"p","variantId":"v","quantity":1,"prices":{"JPY":{"fixed":"999"},"EUR":{"fixed":"9.99"}}}"#)).isEmpty)
    }

    @Test("an offer with a currency is shown to carts in that currency only, at its price")
    func currencyScopesTheOffer() throws {
        let catalog = try OfferCatalog.load(json: Data(offer(#""currency":"EUR","#).utf8))
        let engine = OfferEngine(catalog: catalog, settings: OfferEngineSettings(maxOffersPerCart: 3))
        var session: CartSession?
        let line = Build.line("l1", product: "x", price: "5.00")
        #expect(engine.cartUpdated(Build.cart(currency: "JPY", [line]), session: &session).isEmpty)
        session = nil
        #expect(engine.cartUpdated(Build.cart(currency: "EUR", [line]), session: &session).first?.items.map(\.unitPrice.description) == ["999.00"])
    }

    @Test("a price with more decimals than its currency's minor unit is refused", arguments: [
        ("JPY", "999.50", "999.50 has more decimal places than JPY allows (0)"),
        ("JPY", "999.0", "999.0 has more decimal places than JPY allows (0)"),
        ("KWD", "1.2345", "1.2345 has more decimal places than KWD allows (3)"),
        ("EUR", "9.999", "9.999 has more decimal places than EUR allows (2)"),
        ("EUR", "9.990", "9.990 has more decimal places than EUR allows (2)"),
    ])
    func tooManyDecimals(currency: String, price: String, problem: String) {
        #expect(load(offer(#""currency":"\#(currency)","#, item: #"{"productId":"p","variantId":"v","quantity":1,"unitPrice":"\#(price)"}"#))
            == ["offers[0].items[0].unitPrice: \(problem)"])
        #expect(load(offer("", item: #"{"productId":"p","variantId":"v","quantity":1,"prices":{"\#(currency)":{"fixed":"\#(price)"}}}"#))
            == ["offers[0].items[0].prices.\(currency).fixed: \(problem)"])
    }

    @Test("prices within their currency's decimals are taken", arguments: [("JPY", "999"), ("KWD", "1.125"), ("EUR", "9.5"), ("EUR", "9.99"), ("BHD", "0.001")])
    func fittingDecimals(currency: String, price: String) {
        #expect(load(offer(#""currency":"\#(currency)","#, item: #"{"productId":"p","variantId":"v","quantity":1,"unitPrice":"\#(price)","compareAtPrice":"\#(price)"}"#)).isEmpty)
    }

    // MARK: every problem in one run

    @Test("one run reports every structural and semantic problem of every offer (25 here)")
    func everyProblemAtOnce() {
        let catalog = #"""
        {"offers":[
          {"offerId":"a","kind":"crossSell","status":"active","currancy":"EUR","priority":"high","ttlSeconds":0,
           "displayCriteria":{"all":[{"schedule":{"timeZone":"Mars/Base","daysOfWeek":["mon"]}},{"subtotal":{"gte":"ten"}}]},
           "items":[{"productId":"p","variantId":"v","quantity":"matchTrigger","unitPrice":"1.00"}]},
          {"offerId":"a","kind":"upsell","status":"live","currency":"JPY","holdoutPercent":"2.555",
           "displayCriteria":{"subtotal":{"gte":"1"}},
           "items":[{"productId":"p","variantId":"v","quantity":0,"unitPrice":"999.50","compareAtprice":"1"}]},
          {"offerId":"","kind":"downsell","status":"active","version":0,"maxPresentationsPerCart":0,
           "displayCriteria":{"cartContains":{"productID":["x"],"tags":[]}},
           "items":[{"productId":"p","variantId":"v","quantity":1,"prices":{"KWD":{"fixed":"1.2345"},"eur":{"fixed":"1"}}}]},
          {"offerId":"d","kind":"crossSell","status":"active","currency":"EUR","startsAt":"2026-12-01T00:00:00Z","endsAt":"2026-11-01T00:00:00Z",
           "displayCriteria":{"itemCount":{"gte":5,"lt":5}},"items":[]}
        ]}
        """#
        let problems = load(catalog)
        #expect(problems.count == 25)
        #expect(problems == [
            "offers[0].currancy: unknown field (did you mean 'currency'?)",
            "offers[0].priority: expected an integer",
            "offers[0].displayCriteria.all[1].subtotal.gte: not a decimal string: 'ten'",
            "offers[0].ttlSeconds: must be between 1 and 31622400 (got 0)",
            #"offers[0].displayCriteria.all[0].schedule.timeZone: unknown IANA time zone 'Mars/Base' (such as "Europe/Berlin")"#,
            #"offers[0].items[0].quantity: "matchTrigger" is for upsells only (a cross-sell replaces no lines)"#,
            #"offers[0].items[0].unitPrice: a price needs a currency: set the offer's "currency", or price the item per currency with "prices" (such as {"EUR": {"fixed": "1.00"}})"#,
            "offers[1].status: unknown value 'live' (expected active, paused, archived)",
            "offers[1].items[0].compareAtprice: unknown field (did you mean 'compareAtPrice'?)",
            "offers[1].displayCriteria: an upsell needs a cartContains condition (outside any not) to choose the lines it replaces",
            "offers[1].items[0].quantity: must be at least 1 (got 0)",
            "offers[1].items[0].unitPrice: 999.50 has more decimal places than JPY allows (0)",
            "offers[1].holdoutPercent: at most 2 decimal places (got 2.555)",
            "offers[1].offerId: 'a' is used by an earlier offer",
            "offers[2].kind: unknown value 'downsell' (expected upsell, crossSell)",
            "offers[2].displayCriteria.cartContains.productID: unknown field (did you mean 'productIds'?)",
            "offers[2].offerId: must not be empty",
            "offers[2].displayCriteria.cartContains.tags: must not be empty",
            "offers[2].items[0].prices.KWD.fixed: 1.2345 has more decimal places than KWD allows (3)",
            #"offers[2].items[0].prices.eur: not an ISO 4217 code such as "EUR""#,
            "offers[2].version: must be at least 1 (got 0)",
            "offers[2].maxPresentationsPerCart: must be at least 1 (got 0)",
            "offers[3].endsAt: must be after startsAt (2026-12-01T00:00:00Z)",
            "offers[3].displayCriteria.itemCount: gte (5) must be below lt (5)",
            "offers[3].items: must list at least one item",
        ])
    }

    @Test("a catalog that is not JSON is refused with the line and column of the mistake", arguments: [
        ("{\n  \"offers\": [\n    {\"offerId\": \"a\" \"kind\": \"upsell\"}\n  ]\n}", #"line 3, column 21: not valid JSON: expected ',' or '}' after a member, found '"'"#),
        ("{\"offers\": [1, 2,]}", "line 1, column 18: not valid JSON: expected a value, found ']'"),
        ("{\"offers\": [\n", "line 2, column 1: not valid JSON: expected a value, found the end of the document"),
        ("{\"offers\": [\"caf\u{e9}\", tru]}", "line 1, column 24: not valid JSON: expected 'true', found ']'"),
        ("{\"offers\": \"a\nb\"}", #"line 1, column 14: not valid JSON: expected the closing '"' of a string (a line break inside a string is written \n), found a control character"#),
        ("", "line 1, column 1: not valid JSON: expected a value, found the end of the document"),
    ])
    func jsonSyntax(text: String, problem: String) {
        #expect(load(text) == [problem])
    }

    // MARK: one offer at a time

    @Test("one offer (a catalog topic record) is checked on its own, with problems under the record's name")
    func singleOffer() throws {
        let record = "offers[partition 0, offset 12, key 'o']"
        #expect(throws: CatalogError(problems: [
            "\(record).currancy: unknown field (did you mean 'currency'?)",
            #"\#(record).items[0].unitPrice: a price needs a currency: set the offer's "currency", or price the item per currency with "prices" (such as {"EUR": {"fixed": "1.00"}})"#,
        ])) {
            try OfferCatalog.loadOffer(json: Data(#"{"offerId":"o","kind":"crossSell","status":"active","currancy":"EUR","displayCriteria":{"subtotal":{"gte":"1"}},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]}"#.utf8), at: record)
        }
        let offer = try OfferCatalog.loadOffer(json: Data(Build.caseBundle.utf8))
        #expect(offer.offerId == "case-bundle" && offer.currency == "EUR")
    }

    @Test("a merged catalog names each offer by where it came from")
    func namedPaths() throws {
        let good = try Build.offer(Build.caseBundle)
        var bad = good
        bad.offerId = "other"
        bad.ttlSeconds = 0
        #expect(throws: CatalogError(problems: ["topic offers['other'].ttlSeconds: must be between 1 and 31622400 (got 0)"])) {
            try OfferCatalog(offers: [good, bad], paths: ["offers['case-bundle']", "topic offers['other']"])
        }
    }
}
