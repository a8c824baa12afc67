import Foundation
import Testing
@testable import OfferEngine

@Suite("Criteria explanations: the first failing condition, with its path")
struct CriteriaExplanationTests {
    let phone = Build.line("l1", product: "phone-std", variant: "phone-std-64", price: "799.00", collections: ["phones"], tags: ["electronics"])

    func failure(_ criteria: String, _ cart: CartUpdated? = nil) throws -> String? {
        try Build.criteria(criteria).failure(in: cart ?? Build.cart([phone]))?.description
    }

    @Test("each kind of condition names its path and what the cart has against what it asks", arguments: [
        (#"{"all":[{"cartContains":{"productIds":["phone-std"]}},{"subtotal":{"gte":"5000.00"}}]}"#, "displayCriteria.all[1].subtotal.gte: 799.00 < 5000.00"),
        (#"{"subtotal":{"lt":"100.00"}}"#, "displayCriteria.subtotal.lt: 799.00 >= 100.00"),
        (#"{"itemCount":{"gte":2}}"#, "displayCriteria.itemCount.gte: 1 < 2"),
        (#"{"lineCount":{"lt":1}}"#, "displayCriteria.lineCount.lt: 1 >= 1"),
        (#"{"cartContains":{"productIds":["tablet"]}}"#, "displayCriteria.cartContains: no line matches"),
        (#"{"cartContains":{"productIds":["phone-std"],"minQuantity":2}}"#, "displayCriteria.cartContains.minQuantity: 1 < 2"),
        (#"{"cartContains":{"productIds":["phone-std","tablet"],"match":"all"}}"#, "displayCriteria.cartContains.productIds: 'tablet' is not in the cart (match: all)"),
        (#"{"currency":{"in":["USD"]}}"#, #"displayCriteria.currency.in: 'EUR' is not one of ["USD"]"#),
        (#"{"customer":{"signedIn":true}}"#, "displayCriteria.customer.signedIn: not signed in does not fit"),
        (#"{"customer":{"returning":true}}"#, "displayCriteria.customer.returning: 0 orders does not fit"),
        (#"{"attribute":{"key":"channel","equals":"web"}}"#, "displayCriteria.attribute: 'channel' is absent"),
        (#"{"schedule":{"timeZone":"UTC","daysOfWeek":["mon"]}}"#, "displayCriteria.schedule: 2026-11-24T10:00:00Z is tue 10:00 in UTC, outside the window"),
        (#"{"excludes":{"tags":["electronics"]}}"#, "displayCriteria.excludes: line 'l1' (phone-std) is excluded"),
        (#"{"not":{"cartContains":{"collectionIds":["phones"]}}}"#, "displayCriteria.not: the negated condition holds"),
        (#"{"any":[{"itemCount":{"gte":5}},{"lineCount":{"gte":3}}]}"#, "displayCriteria.any: none of 2 conditions holds (first: displayCriteria.any[0].itemCount.gte: 1 < 5)"),
        (#"{"all":[{"any":[{"itemCount":{"gte":1}}]},{"not":{"itemCount":{"gte":1}}}]}"#, "displayCriteria.all[1].not: the negated condition holds"),
    ])
    func paths(criteria: String, expected: String) throws {
        #expect(try failure(criteria) == expected)
    }

    @Test("criteria that hold have no failure; criteria that do not always have one (explanation and evaluation agree)")
    func agreesWithEvaluation() throws {
        let carts = [Build.cart([phone]), Build.cart([]), Build.cart(subtotal: "6000.00", [phone, Build.line("l2", product: "case", quantity: 3)])]
        let criteria = [
            #"{"all":[{"cartContains":{"productIds":["phone-std"]}},{"not":{"subtotal":{"gte":"5000.00"}}}]}"#,
            #"{"any":[{"cartContains":{"productIds":["case"],"minQuantity":2}},{"lineCount":{"gte":2}}]}"#,
            #"{"not":{"any":[{"itemCount":{"gte":4}},{"excludes":{"productIds":["case"]}}]}}"#,
            #"{"all":[{"itemCount":{"lt":10}},{"any":[{"currency":{"in":["EUR"]}},{"subtotal":{"gte":"1"}}]}]}"#,
        ]
        for json in criteria {
            let tree = try Build.criteria(json)
            for cart in carts {
                #expect(tree.evaluate(cart).isSatisfied == (tree.failure(in: cart) == nil), "\(json) on \(cart.lines.count) lines")
            }
        }
    }
}
