import Foundation
import Testing
@testable import OfferEngine

/// The conditions beyond cartContains/subtotal basics: each one's meaning, edges and errors.
@Suite("DisplayCriteria: the full condition language")
struct CriteriaConditionTests {
    let phone = CartLine(lineId: "l1", productId: "phone-std", variantId: "phone-std-64", quantity: 1, unitPrice: DecimalAmount("799.00")!,
                         collectionIds: ["phones"], tags: ["electronics"], productType: "Phone", vendor: "Acme")
    let cable = CartLine(lineId: "l2", productId: "usb-cable", variantId: "usb-cable-1m", quantity: 2, unitPrice: DecimalAmount("9.50")!,
                         tags: ["electronics", "accessory"], productType: "Accessory", vendor: "Cablo")
    let caseLine = CartLine(lineId: "l3", productId: "phone-case", variantId: "phone-case-black", quantity: 3, unitPrice: DecimalAmount("29.00")!,
                            productType: "Accessory")
    let plain = CartLine(lineId: "l4", productId: "sticker", variantId: "sticker-v", quantity: 1, unitPrice: DecimalAmount("1.00")!)

    func cart(_ lines: [CartLine], currency: String = "EUR", customer: Customer? = nil, attributes: [String: String]? = nil,
              at time: String = "2026-11-24T10:00:00Z") -> CartUpdated {
        CartUpdated(eventId: "e", cartId: "c", version: 1, occurredAt: EventTime(rfc3339: time)!, currency: currency,
                    customer: customer, lines: lines, attributes: attributes)
    }

    func match(_ json: String, _ cart: CartUpdated) throws -> CriteriaMatch {
        try Build.criteria(json).evaluate(cart)
    }

    func holds(_ json: String, _ cart: CartUpdated) throws -> Bool {
        try match(json, cart).isSatisfied
    }

    /// The catalog problems of a cross-sell with these criteria.
    func problems(_ criteria: String, kind: String = "crossSell") -> [String] {
        let offer = #"{"offerId":"o","kind":"\#(kind)","status":"active","currency":"EUR","displayCriteria":\#(criteria),"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]}"#
        do {
            _ = try OfferCatalog.load(json: Data(#"{"offers":[\#(offer)]}"#.utf8))
            return []
        } catch {
            return error.problems
        }
    }

    func decodingError(_ json: String) -> String? {
        do {
            _ = try Build.criteria(json)
            return nil
        } catch {
            return (error as? EventDecodingError)?.reason ?? "\(error)"
        }
    }

    // MARK: cartContains

    @Test("cartContains matches productTypes and vendors; a line without one does not match")
    func productTypesAndVendors() throws {
        let lines = cart([phone, cable, caseLine, plain])
        #expect(try match(#"{"cartContains":{"productTypes":["Accessory"]}}"#, lines).triggerLineIds == ["l2", "l3"])
        #expect(try match(#"{"cartContains":{"vendors":["Acme","Other"]}}"#, lines).triggerLineIds == ["l1"])
        #expect(try match(#"{"cartContains":{"productTypes":["Accessory"],"vendors":["Cablo"]}}"#, lines).triggerLineIds == ["l2"])
        #expect(try !holds(#"{"cartContains":{"vendors":["Nobody"]}}"#, lines))
        #expect(try !holds(#"{"cartContains":{"productTypes":["accessory"]}}"#, lines), "exact, case-sensitive")
    }

    @Test("maxQuantity bounds the matched lines' total quantity, inclusive at both ends")
    func maxQuantity() throws {
        let lines = cart([cable, caseLine])  // 2 + 3 accessories
        #expect(try holds(#"{"cartContains":{"productTypes":["Accessory"],"maxQuantity":5}}"#, lines))
        #expect(try !holds(#"{"cartContains":{"productTypes":["Accessory"],"maxQuantity":4}}"#, lines))
        #expect(try holds(#"{"cartContains":{"productTypes":["Accessory"],"minQuantity":5,"maxQuantity":5}}"#, lines))
        #expect(try !holds(#"{"cartContains":{"productTypes":["Accessory"],"minQuantity":6,"maxQuantity":9}}"#, lines))
        #expect(try holds(#"{"cartContains":{"productIds":["usb-cable"],"maxQuantity":2}}"#, lines))
        #expect(try !holds(#"{"cartContains":{"productIds":["tablet"],"maxQuantity":2}}"#, lines), "no matched line: not satisfied")
    }

    @Test("match all: every listed product (and variant) must be in the cart; all matched lines trigger")
    func matchAll() throws {
        let both = #"{"cartContains":{"productIds":["phone-std","usb-cable"],"match":"all"}}"#
        #expect(try match(both, cart([phone, cable, caseLine])) == CriteriaMatch(isSatisfied: true, triggerLineIds: ["l1", "l2"]))
        #expect(try !holds(both, cart([phone, caseLine])))
        #expect(try !holds(both, cart([cable])))
        #expect(try match(#"{"cartContains":{"productIds":["phone-std","usb-cable"],"match":"any"}}"#, cart([phone])).triggerLineIds == ["l1"])
        #expect(try match(#"{"cartContains":{"productIds":["phone-std","usb-cable"]}}"#, cart([phone])).triggerLineIds == ["l1"], "default any")

        let variants = #"{"cartContains":{"variantIds":["phone-std-64","phone-case-black"],"match":"all"}}"#
        #expect(try match(variants, cart([phone, cable, caseLine])).triggerLineIds == ["l1", "l3"])
        #expect(try !holds(variants, cart([phone, cable])))
        // Other selectors filter first: both products must be there *and* be electronics.
        let electronic = #"{"cartContains":{"productIds":["phone-std","phone-case"],"tags":["electronics"],"match":"all"}}"#
        #expect(try !holds(electronic, cart([phone, caseLine])))
        // Quantities still count over the matched lines.
        #expect(try holds(#"{"cartContains":{"productIds":["phone-std","usb-cable"],"match":"all","minQuantity":3}}"#, cart([phone, cable])))
        #expect(try !holds(#"{"cartContains":{"productIds":["phone-std","usb-cable"],"match":"all","minQuantity":4}}"#, cart([phone, cable])))
    }

    @Test("huge quantities saturate instead of overflowing")
    func quantityOverflow() throws {
        var big = cable
        big.quantity = Int.max
        var bigger = caseLine
        bigger.quantity = Int.max
        #expect(try holds(#"{"cartContains":{"productTypes":["Accessory"],"minQuantity":2}}"#, cart([big, bigger])))
        #expect(try holds(#"{"itemCount":{"gte":1000}}"#, cart([big, bigger])))
    }

    // MARK: counts and currency

    @Test("itemCount sums quantities in [gte, lt)")
    func itemCount() throws {
        let lines = cart([phone, cable, caseLine])  // 1 + 2 + 3 = 6
        #expect(try holds(#"{"itemCount":{"gte":6}}"#, lines))
        #expect(try !holds(#"{"itemCount":{"gte":7}}"#, lines))
        #expect(try !holds(#"{"itemCount":{"lt":6}}"#, lines))
        #expect(try holds(#"{"itemCount":{"lt":7}}"#, lines))
        #expect(try holds(#"{"itemCount":{"gte":2,"lt":7}}"#, lines))
        #expect(try holds(#"{"itemCount":{"lt":1}}"#, cart([])), "an empty cart has 0 items")
        #expect(try match(#"{"itemCount":{"gte":1}}"#, lines).triggerLineIds.isEmpty)
    }

    @Test("lineCount counts lines in [gte, lt)")
    func lineCount() throws {
        let lines = cart([phone, cable, caseLine])
        #expect(try holds(#"{"lineCount":{"gte":3}}"#, lines))
        #expect(try !holds(#"{"lineCount":{"gte":4}}"#, lines))
        #expect(try !holds(#"{"lineCount":{"lt":3}}"#, lines))
        #expect(try holds(#"{"lineCount":{"gte":1,"lt":2}}"#, cart([caseLine])), "one line of quantity 3")
    }

    @Test("currency is one of a list")
    func currency() throws {
        #expect(try holds(#"{"currency":{"in":["EUR","USD"]}}"#, cart([phone])))
        #expect(try holds(#"{"currency":{"in":["EUR","USD"]}}"#, cart([phone], currency: "USD")))
        #expect(try !holds(#"{"currency":{"in":["EUR","USD"]}}"#, cart([phone], currency: "GBP")))
    }

    // MARK: customer

    @Test("a guest cart: no tags, no country, 0 orders, not signed in")
    func guest() throws {
        let guest = cart([phone])
        #expect(try holds(#"{"customer":{"returning":false}}"#, guest))
        #expect(try !holds(#"{"customer":{"returning":true}}"#, guest))
        #expect(try holds(#"{"customer":{"signedIn":false}}"#, guest))
        #expect(try !holds(#"{"customer":{"signedIn":true}}"#, guest))
        #expect(try holds(#"{"customer":{"ordersCount":{"lt":1}}}"#, guest))
        #expect(try holds(#"{"customer":{"tags":{"none":["vip"]}}}"#, guest))
        #expect(try !holds(#"{"customer":{"tags":{"any":["vip"]}}}"#, guest))
        #expect(try !holds(#"{"customer":{"country":{"in":["DE"]}}}"#, guest))
        // A customer object without those fields reads the same.
        let anonymous = cart([phone], customer: Customer())
        #expect(try holds(#"{"customer":{"returning":false,"signedIn":false,"ordersCount":{"gte":0,"lt":1}}}"#, anonymous))
    }

    @Test("customer tags: any, all and none, combined")
    func customerTags() throws {
        let vip = cart([phone], customer: Customer(id: "u1", tags: ["vip", "newsletter"]))
        #expect(try holds(#"{"customer":{"tags":{"any":["vip","staff"]}}}"#, vip))
        #expect(try !holds(#"{"customer":{"tags":{"any":["staff"]}}}"#, vip))
        #expect(try holds(#"{"customer":{"tags":{"all":["vip","newsletter"]}}}"#, vip))
        #expect(try !holds(#"{"customer":{"tags":{"all":["vip","staff"]}}}"#, vip))
        #expect(try holds(#"{"customer":{"tags":{"none":["staff"]}}}"#, vip))
        #expect(try !holds(#"{"customer":{"tags":{"none":["staff","vip"]}}}"#, vip))
        #expect(try holds(#"{"customer":{"tags":{"any":["vip"],"none":["staff"]}}}"#, vip))
        #expect(try !holds(#"{"customer":{"tags":{"any":["vip"],"all":["wholesale"]}}}"#, vip))
    }

    @Test("customer country, ordersCount at its edges, returning and signedIn; all given must hold")
    func customerProfile() throws {
        func shopper(_ orders: Int?, id: String? = "u1", country: String? = "DE") -> CartUpdated {
            cart([phone], customer: Customer(id: id, country: country, ordersCount: orders))
        }
        #expect(try holds(#"{"customer":{"country":{"in":["DE","AT"]}}}"#, shopper(0)))
        #expect(try !holds(#"{"customer":{"country":{"in":["DE","AT"]}}}"#, shopper(0, country: "FR")))
        #expect(try !holds(#"{"customer":{"country":{"in":["DE"]}}}"#, shopper(0, country: nil)))

        #expect(try !holds(#"{"customer":{"ordersCount":{"gte":2,"lt":5}}}"#, shopper(1)))
        #expect(try holds(#"{"customer":{"ordersCount":{"gte":2,"lt":5}}}"#, shopper(2)))
        #expect(try holds(#"{"customer":{"ordersCount":{"gte":2,"lt":5}}}"#, shopper(4)))
        #expect(try !holds(#"{"customer":{"ordersCount":{"gte":2,"lt":5}}}"#, shopper(5)))
        #expect(try holds(#"{"customer":{"ordersCount":{"lt":1}}}"#, shopper(nil)), "absent ordersCount is 0")

        #expect(try !holds(#"{"customer":{"returning":true}}"#, shopper(0)))
        #expect(try holds(#"{"customer":{"returning":true}}"#, shopper(1)))
        #expect(try holds(#"{"customer":{"returning":false}}"#, shopper(0)))

        #expect(try holds(#"{"customer":{"signedIn":true}}"#, shopper(0)))
        #expect(try holds(#"{"customer":{"signedIn":false}}"#, shopper(0, id: nil)))

        #expect(try holds(#"{"customer":{"signedIn":true,"returning":true,"country":{"in":["DE"]}}}"#, shopper(3)))
        #expect(try !holds(#"{"customer":{"signedIn":true,"returning":true,"country":{"in":["AT"]}}}"#, shopper(3)))
        #expect(try match(#"{"customer":{"signedIn":true}}"#, shopper(3)).triggerLineIds.isEmpty)
    }

    // MARK: attribute

    @Test("attribute: equals, in, exists true and false; no attributes at all")
    func attribute() throws {
        let mobile = cart([phone], attributes: ["channel": "mobile", "market": "AT"])
        let none = cart([phone])
        #expect(try holds(#"{"attribute":{"key":"channel","equals":"mobile"}}"#, mobile))
        #expect(try !holds(#"{"attribute":{"key":"channel","equals":"web"}}"#, mobile))
        #expect(try !holds(#"{"attribute":{"key":"channel","equals":"mobile"}}"#, none))
        #expect(try holds(#"{"attribute":{"key":"market","in":["DE","AT"]}}"#, mobile))
        #expect(try !holds(#"{"attribute":{"key":"market","in":["DE","CH"]}}"#, mobile))
        #expect(try !holds(#"{"attribute":{"key":"market","in":["DE","AT"]}}"#, none))
        #expect(try holds(#"{"attribute":{"key":"channel","exists":true}}"#, mobile))
        #expect(try !holds(#"{"attribute":{"key":"device","exists":true}}"#, mobile))
        #expect(try holds(#"{"attribute":{"key":"device","exists":false}}"#, mobile))
        #expect(try holds(#"{"attribute":{"key":"device","exists":false}}"#, none))
        #expect(try !holds(#"{"attribute":{"key":"channel","exists":false}}"#, mobile))
    }

    // MARK: schedule

    @Test("schedule: weekday and hours in the zone, from inclusive, to exclusive")
    func scheduleHours() throws {
        // 2026-11-24 is a Tuesday; Berlin is UTC+1 in November.
        let weekdays = #"{"schedule":{"timeZone":"Europe/Berlin","daysOfWeek":["mon","tue","wed","thu","fri"],"hours":{"from":"09:00","to":"17:30"}}}"#
        #expect(try !holds(weekdays, cart([], at: "2026-11-24T07:59:59.999Z")))
        #expect(try holds(weekdays, cart([], at: "2026-11-24T08:00:00Z")))
        #expect(try holds(weekdays, cart([], at: "2026-11-24T16:29:59.999Z")))
        #expect(try !holds(weekdays, cart([], at: "2026-11-24T16:30:00Z")))
        #expect(try !holds(weekdays, cart([], at: "2026-11-28T10:00:00Z")), "Saturday")
        // An input time with an offset names the same instant.
        #expect(try holds(weekdays, cart([], at: "2026-11-24T09:00:00+01:00")))
        #expect(try holds(#"{"schedule":{"timeZone":"America/New_York","hours":{"from":"05:00","to":"06:00"}}}"#, cart([], at: "2026-11-24T10:00:00Z")))
        #expect(try holds(#"{"schedule":{"timeZone":"UTC","hours":{"from":"10:00","to":"24:00"}}}"#, cart([], at: "2026-11-24T23:59:59Z")))
        #expect(try match(weekdays, cart([phone], at: "2026-11-24T08:00:00Z")).triggerLineIds.isEmpty)
    }

    @Test("schedule: the day changes at midnight in the zone, not in UTC")
    func scheduleMidnight() throws {
        let tuesday = #"{"schedule":{"timeZone":"Europe/Berlin","daysOfWeek":["tue"]}}"#
        let wednesday = #"{"schedule":{"timeZone":"Europe/Berlin","daysOfWeek":["wed"]}}"#
        #expect(try !holds(tuesday, cart([], at: "2026-11-23T22:59:59.999Z")), "Monday 23:59:59.999 in Berlin")
        #expect(try holds(tuesday, cart([], at: "2026-11-23T23:00:00Z")), "Tuesday 00:00 in Berlin, Monday in UTC")
        #expect(try holds(tuesday, cart([], at: "2026-11-24T22:59:59Z")))
        #expect(try !holds(tuesday, cart([], at: "2026-11-24T23:00:00Z")))
        #expect(try holds(wednesday, cart([], at: "2026-11-24T23:00:00Z")))
        #expect(try holds(#"{"schedule":{"timeZone":"UTC","daysOfWeek":["tue"]}}"#, cart([], at: "2026-11-24T23:00:00Z")))
    }

    @Test("schedule: an overnight window belongs to the day it opens")
    func scheduleOvernight() throws {
        let fridayNight = #"{"schedule":{"timeZone":"Europe/Berlin","daysOfWeek":["fri"],"hours":{"from":"22:00","to":"02:00"}}}"#
        #expect(try !holds(fridayNight, cart([], at: "2026-11-27T20:59:00Z")), "Fri 21:59")
        #expect(try holds(fridayNight, cart([], at: "2026-11-27T21:00:00Z")), "Fri 22:00")
        #expect(try holds(fridayNight, cart([], at: "2026-11-28T00:59:00Z")), "Sat 01:59 is still Friday night")
        #expect(try !holds(fridayNight, cart([], at: "2026-11-28T01:00:00Z")), "Sat 02:00")
        #expect(try !holds(fridayNight, cart([], at: "2026-11-27T00:30:00Z")), "Fri 01:30 is Thursday night")
        #expect(try !holds(fridayNight, cart([], at: "2026-11-27T12:00:00Z")), "Fri noon")
    }

    @Test("schedule: daylight saving time changes the offset (Berlin, 29 March and 25 October 2026)")
    func scheduleDST() throws {
        let threeToFour = #"{"schedule":{"timeZone":"Europe/Berlin","hours":{"from":"03:00","to":"04:00"}}}"#
        // Spring forward at 01:00 UTC: 02:00 CET becomes 03:00 CEST.
        #expect(try !holds(threeToFour, cart([], at: "2026-03-29T00:59:59Z")), "01:59:59 CET")
        #expect(try holds(threeToFour, cart([], at: "2026-03-29T01:00:00Z")), "03:00 CEST")
        #expect(try holds(threeToFour, cart([], at: "2026-03-29T01:59:59Z")))
        #expect(try !holds(threeToFour, cart([], at: "2026-03-29T02:00:00Z")))
        // Fall back at 01:00 UTC: 03:00 CEST becomes 02:00 CET, so 03:00-04:00 is 02:00-03:00 UTC.
        #expect(try !holds(threeToFour, cart([], at: "2026-10-25T01:30:00Z")), "02:30 CET")
        #expect(try holds(threeToFour, cart([], at: "2026-10-25T02:00:00Z")), "03:00 CET")
        #expect(try holds(#"{"schedule":{"timeZone":"Europe/Berlin","daysOfWeek":["sun"]}}"#, cart([], at: "2026-03-28T23:00:00Z")))
    }

    // MARK: excludes

    @Test("excludes holds when no line has one of the products, variants or tags; it never triggers")
    func excludes() throws {
        let lines = cart([phone, cable])
        #expect(try !holds(#"{"excludes":{"productIds":["usb-cable"]}}"#, lines))
        #expect(try !holds(#"{"excludes":{"variantIds":["phone-std-64"]}}"#, lines))
        #expect(try !holds(#"{"excludes":{"tags":["accessory"]}}"#, lines))
        #expect(try !holds(#"{"excludes":{"productIds":["tablet"],"tags":["accessory"]}}"#, lines), "any list matching excludes")
        #expect(try match(#"{"excludes":{"productIds":["tablet"],"variantIds":["x"],"tags":["refurbished"]}}"#, lines) == CriteriaMatch(isSatisfied: true, triggerLineIds: []))
        #expect(try holds(#"{"excludes":{"tags":["accessory"]}}"#, cart([])))
        let phoneWithoutCase = #"{"all":[{"cartContains":{"collectionIds":["phones"]}},{"excludes":{"productIds":["phone-case"]}}]}"#
        #expect(try match(phoneWithoutCase, lines).triggerLineIds == ["l1"])
        #expect(try !holds(phoneWithoutCase, cart([phone, caseLine])))
    }

    // MARK: trigger ability, validation, decoding, round trip

    @Test("only cartContains outside not can trigger", arguments: [
        (#"{"itemCount":{"gte":1}}"#, false),
        (#"{"lineCount":{"gte":1}}"#, false),
        (#"{"currency":{"in":["EUR"]}}"#, false),
        (#"{"customer":{"signedIn":true}}"#, false),
        (#"{"attribute":{"key":"a","exists":true}}"#, false),
        (#"{"schedule":{"timeZone":"UTC","daysOfWeek":["mon"]}}"#, false),
        (#"{"excludes":{"tags":["a"]}}"#, false),
        (#"{"all":[{"customer":{"signedIn":true}},{"cartContains":{"vendors":["v"]}}]}"#, true),
        (#"{"any":[{"cartContains":{"vendors":["v"]}},{"itemCount":{"gte":3}}]}"#, false),
        (#"{"not":{"cartContains":{"vendors":["v"]}}}"#, false),
    ])
    func canTrigger(criteria: String, expected: Bool) throws {
        #expect(try Build.criteria(criteria).canTrigger == expected)
        #expect(problems(criteria, kind: "upsell").isEmpty == expected)
    }

    @Test("refuses semantic mistakes with their paths", arguments: [
        (#"{"all":[{"cartContains":{"tags":["a"]}},{"itemCount":{"gte":5,"lt":5}}]}"#, ["offers[0].displayCriteria.all[1].itemCount: gte (5) must be below lt (5)"]),
        (#"{"itemCount":{}}"#, ["offers[0].displayCriteria.itemCount: give gte, lt or both"]),
        (#"{"itemCount":{"gte":-1,"lt":0}}"#, ["offers[0].displayCriteria.itemCount.gte: must not be negative (got -1)", "offers[0].displayCriteria.itemCount.lt: must be at least 1 (got 0)"]),
        (#"{"lineCount":{"gte":3,"lt":2}}"#, ["offers[0].displayCriteria.lineCount: gte (3) must be below lt (2)"]),
        (#"{"currency":{"in":[]}}"#, ["offers[0].displayCriteria.currency.in: must not be empty"]),
        (#"{"currency":{"in":["EUR","usd"]}}"#, [#"offers[0].displayCriteria.currency.in[1]: not an ISO 4217 code such as "EUR" (got 'usd')"#]),
        (#"{"cartContains":{"vendors":[],"productTypes":["t"]}}"#, ["offers[0].displayCriteria.cartContains.vendors: must not be empty"]),
        (#"{"cartContains":{"tags":["a"],"maxQuantity":0}}"#, ["offers[0].displayCriteria.cartContains.maxQuantity: must be at least 1 (got 0)"]),
        (#"{"cartContains":{"tags":["a"],"minQuantity":3,"maxQuantity":2}}"#, ["offers[0].displayCriteria.cartContains: minQuantity (3) must not be above maxQuantity (2)"]),
        (#"{"cartContains":{"tags":["a"],"match":"all"}}"#, [#"offers[0].displayCriteria.cartContains.match: "all" needs productIds or variantIds"#]),
        (#"{"customer":{}}"#, ["offers[0].displayCriteria.customer: give at least one of tags, country, ordersCount, returning, signedIn"]),
        (#"{"customer":{"tags":{}}}"#, ["offers[0].displayCriteria.customer.tags: give at least one of any, all, none"]),
        (#"{"customer":{"tags":{"any":["a"],"none":[]}}}"#, ["offers[0].displayCriteria.customer.tags.none: must not be empty"]),
        (#"{"customer":{"country":{"in":["DE","Germany"]}}}"#, [#"offers[0].displayCriteria.customer.country.in[1]: not an ISO 3166-1 alpha-2 code such as "DE" (got 'Germany')"#]),
        (#"{"not":{"customer":{"ordersCount":{"gte":1,"lt":1}}}}"#, ["offers[0].displayCriteria.not.customer.ordersCount: gte (1) must be below lt (1)"]),
        (#"{"attribute":{"key":"","exists":true}}"#, ["offers[0].displayCriteria.attribute.key: must not be empty"]),
        (#"{"attribute":{"key":"a"}}"#, ["offers[0].displayCriteria.attribute: give exactly one of equals, in, exists"]),
        (#"{"attribute":{"key":"a","equals":"x","exists":true}}"#, ["offers[0].displayCriteria.attribute: give exactly one of equals, in, exists"]),
        (#"{"attribute":{"key":"a","in":[]}}"#, ["offers[0].displayCriteria.attribute.in: must not be empty"]),
        (#"{"schedule":{"timeZone":"Mars/Olympus_Mons","daysOfWeek":["mon"]}}"#, [#"offers[0].displayCriteria.schedule.timeZone: unknown IANA time zone 'Mars/Olympus_Mons' (such as "Europe/Berlin")"#]),
        (#"{"any":[{"subtotal":{"gte":"1"}},{"schedule":{"timeZone":"Europe/Berlin"}}]}"#, ["offers[0].displayCriteria.any[1].schedule: give daysOfWeek, hours or both"]),
        (#"{"schedule":{"timeZone":"UTC","daysOfWeek":[]}}"#, ["offers[0].displayCriteria.schedule.daysOfWeek: must not be empty"]),
        (#"{"schedule":{"timeZone":"UTC","hours":{"from":"09:00","to":"09:00"}}}"#, ["offers[0].displayCriteria.schedule.hours: from (09:00) must differ from to (09:00)"]),
        (#"{"schedule":{"timeZone":"UTC","hours":{"from":"24:00","to":"09:00"}}}"#, ["offers[0].displayCriteria.schedule.hours.from: must be before 24:00"]),
        (#"{"excludes":{}}"#, ["offers[0].displayCriteria.excludes: give at least one of productIds, variantIds, tags"]),
        (#"{"excludes":{"productIds":["a"],"tags":[]}}"#, ["offers[0].displayCriteria.excludes.tags: must not be empty"]),
    ])
    func semanticProblems(criteria: String, expected: [String]) {
        #expect(problems(criteria) == expected)
    }

    @Test("decoding errors name the field", arguments: [
        (#"{"itemCount":{"gte":"5"}}"#, "itemCount.gte: expected an integer"),
        (#"{"all":[{"lineCount":{"gte":1,"max":3}}]}"#, "all[0].lineCount.max: unknown field (expected gte, lt)"),
        (#"{"cartContains":{"productID":["a"]}}"#, "cartContains.productID: unknown field (did you mean 'productIds'?)"),
        (#"{"cartContains":{"productIds":["a"],"match":"both"}}"#, "cartContains.match: unknown value 'both' (expected any, all)"),
        (#"{"currency":["EUR"]}"#, "currency: expected an object"),
        (#"{"currency":{}}"#, "currency.in: missing required field"),
        (#"{"customer":{"tags":{"some":["a"]}}}"#, "customer.tags.some: unknown field (expected any, all, none)"),
        (#"{"customer":{"returning":"yes"}}"#, "customer.returning: expected a boolean"),
        (#"{"attribute":{"equals":"mobile"}}"#, "attribute.key: missing required field"),
        (#"{"schedule":{"daysOfWeek":["mon"]}}"#, "schedule.timeZone: missing required field"),
        (#"{"schedule":{"timeZone":"UTC","daysOfWeek":["monday"]}}"#, "schedule.daysOfWeek[0]: unknown value 'monday' (expected mon, tue, wed, thu, fri, sat, sun)"),
        (#"{"schedule":{"timeZone":"UTC","hours":{"from":"9:00","to":"17:00"}}}"#, #"schedule.hours.from: not a time of day HH:MM such as "09:30" (got '9:00')"#),
        (#"{"schedule":{"timeZone":"UTC","hours":{"from":"09:00","to":"24:30"}}}"#, #"schedule.hours.to: not a time of day HH:MM such as "09:30" (got '24:30')"#),
        (#"{"schedule":{"timeZone":"UTC","hours":{"from":"09:00"}}}"#, "schedule.hours.to: missing required field"),
        (#"{"excludes":{"collectionIds":["a"]}}"#, "excludes.collectionIds: unknown field (expected productIds, variantIds, tags)"),
        (#"{"subtotal":{"gt":"5"}}"#, "subtotal.gt: unknown field (did you mean 'gte'?)"),
    ])
    func decodingErrors(json: String, expected: String) {
        #expect(decodingError(json) == expected)
    }

    @Test("decoding errors reach the catalog with the offer's path")
    func catalogDecodingPath() {
        #expect(problems(#"{"all":[{"cartContains":{"tags":["a"]}},{"schedule":{"timeZone":"UTC","daysOfWeek":["funday"]}}]}"#) == [
            "offers[0].displayCriteria.all[1].schedule.daysOfWeek[0]: unknown value 'funday' (expected mon, tue, wed, thu, fri, sat, sun)",
        ])
    }

    @Test("every condition round-trips through JSON")
    func roundTrip() throws {
        let json = #"""
        {"all":[
          {"cartContains":{"productIds":["a","b"],"variantIds":["v"],"collectionIds":["c"],"tags":["t"],"productTypes":["Phone"],"vendors":["Acme"],"minQuantity":1,"maxQuantity":4,"match":"all"}},
          {"subtotal":{"gte":"1.00","lt":"2.00"}},
          {"itemCount":{"gte":2,"lt":10}},
          {"lineCount":{"lt":5}},
          {"currency":{"in":["EUR","USD"]}},
          {"customer":{"tags":{"any":["vip"],"all":["a"],"none":["staff"]},"country":{"in":["DE"]},"ordersCount":{"gte":1},"returning":true,"signedIn":true}},
          {"any":[{"attribute":{"key":"channel","equals":"mobile"}},{"attribute":{"key":"market","in":["DE","AT"]}},{"attribute":{"key":"device","exists":false}}]},
          {"schedule":{"timeZone":"Europe/Berlin","daysOfWeek":["sat","sun"],"hours":{"from":"22:00","to":"24:00"}}},
          {"not":{"excludes":{"productIds":["p"],"variantIds":["v"],"tags":["x"]}}}
        ]}
        """#
        let criteria = try Build.criteria(json)
        let encoded = Build.codec.encode(criteria)
        #expect(try Build.codec.decode(DisplayCriteria.self, from: encoded) == criteria)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains(#""hours":{"from":"22:00","to":"24:00"}"#))
        #expect(text.contains(#""country":{"in":["DE"]}"#))
        #expect(text.contains(#""tags":{"all":["a"],"any":["vip"],"none":["staff"]}"#))
        // Absent optional fields stay absent.
        #expect(String(decoding: Build.codec.encode(try Build.criteria(#"{"cartContains":{"tags":["a"]}}"#)), as: UTF8.self) == #"{"cartContains":{"tags":["a"]}}"#)
    }

    @Test("the schema examples load in the engine")
    func schemaExamples() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../schemas/examples")
        let catalog = try OfferCatalog.load(json: Data(contentsOf: examples.appendingPathComponent("offer-catalog.json")))
        #expect(catalog.offers.count == 2)
        #expect(catalog.offers.filter { $0.showWhenItemsInCart }.count == 1)
        let criteria = try Build.codec.decode(DisplayCriteria.self, from: Array(Data(contentsOf: examples.appendingPathComponent("display-criteria.json"))))
        #expect(criteria.problems(at: "$").isEmpty)
        _ = try Build.codec.decode(Offer.self, from: Array(Data(contentsOf: examples.appendingPathComponent("offer.json"))))
    }

    @Test("an offer round-trips, showWhenItemsInCart included")
    func offerRoundTrip() throws {
        let offer = try Build.offer(#"{"offerId":"o","kind":"crossSell","status":"active","showWhenItemsInCart":true,"displayCriteria":{"schedule":{"timeZone":"UTC","daysOfWeek":["mon"]}},"items":[{"productId":"p","variantId":"v","quantity":1,"unitPrice":"1.00"}]}"#)
        #expect(offer.showWhenItemsInCart)
        #expect(try Build.codec.decode(Offer.self, from: Build.codec.encode(offer)) == offer)
    }
}
