import Foundation
import Testing
@testable import OfferEngine

/// The offer JSON Schemas (`schemas/offer*.json`, checked with Python's jsonschema through
/// `scripts/validate-events.py`) and the catalog decoder must give the same verdict on every
/// catalog: the sample and example catalogs the repository ships, and generated catalogs,
/// valid and broken. The few rules JSON Schema cannot express are listed in
/// ``decoderOnly`` (and in docs/offers.md): there the decoder refuses and the schema accepts.
@Suite("Offer schemas and the catalog decoder agree")
struct SchemaAgreementTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A rich upsell using every offer field and every condition.
    static let upsell = #"""
    {"offerId":"pro","kind":"upsell","status":"active","priority":10,"ttlSeconds":1800,"currency":"EUR","description":"Pro phone",
     "showWhenItemsInCart":false,"version":2,"maxPresentationsPerCart":3,"holdoutPercent":"2.5",
     "startsAt":"2026-11-01T00:00:00Z","endsAt":"2026-12-01T00:00:00Z",
     "displayCriteria":{"all":[
       {"cartContains":{"productIds":["phone-std"],"minQuantity":1,"maxQuantity":5,"match":"any"}},
       {"not":{"subtotal":{"gte":"5000.00"}}},
       {"schedule":{"timeZone":"Europe/Berlin","daysOfWeek":["mon","fri"],"hours":{"from":"09:00","to":"17:30"}}},
       {"customer":{"tags":{"any":["vip"],"none":["staff"]},"country":{"in":["DE"]},"ordersCount":{"gte":1,"lt":10},"returning":true,"signedIn":true}},
       {"attribute":{"key":"channel","equals":"web"}},
       {"itemCount":{"gte":1}},{"lineCount":{"lt":50}},{"currency":{"in":["EUR"]}},{"excludes":{"tags":["gift"]}}]},
     "items":[{"productId":"phone-pro","variantId":"phone-pro-128","quantity":"matchTrigger","unitPrice":"999.00","compareAtPrice":"1099.00"}]}
    """#

    /// A cross-sell priced per currency with every kind of rule.
    static let crossSell = #"""
    {"offerId":"case","kind":"crossSell","status":"paused",
     "displayCriteria":{"any":[{"cartContains":{"collectionIds":["phones"]}},{"cartContains":{"tags":["phone"],"productTypes":["Phone"],"vendors":["Acme"]}}]},
     "items":[{"productId":"case","variantId":"case-black","quantity":2,
               "prices":{"EUR":{"fixed":"29.00","of":"35.00"},"USD":{"percentOff":"12.5","of":"39.99"},"JPY":{"amountOff":"500","of":"4500"},"KWD":{"fixed":"9.125"}}}]}
    """#

    /// The two base offers.
    static let base = #"{"offers":[\#(upsell),\#(crossSell)]}"#

    /// The base catalog with `find` replaced by `replace` in the upsell (or, with
    /// `inCrossSell`, in the cross-sell).
    static func variant(_ find: String, _ replace: String, inCrossSell: Bool = false) -> String {
        let base = inCrossSell ? crossSell : upsell
        precondition(base.contains(find), "the base offer has no \(find)")
        let changed = base.replacingOccurrences(of: find, with: replace)
        return inCrossSell ? #"{"offers":[\#(upsell),\#(changed)]}"# : #"{"offers":[\#(changed),\#(crossSell)]}"#
    }

    /// Generated catalogs both must accept.
    static let valid: [(String, String)] = [
        ("base offers", base),
        ("no offers", #"{"offers":[]}"#),
        ("minimal offer", #"{"offers":[{"offerId":"m","kind":"crossSell","status":"archived","displayCriteria":{"subtotal":{"lt":"10"}},"items":[{"productId":"p","variantId":"v","quantity":1,"prices":{"CHF":{"fixed":"1"}}}]}]}"#),
        ("holdout as an integer", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":50"#)),
        ("holdout 100.00", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"100.00""#)),
        ("JPY offer with whole prices", variant(#""currency":"EUR","#, #""currency":"JPY","#).replacingOccurrences(of: #""999.00""#, with: #""999""#).replacingOccurrences(of: #""1099.00""#, with: #""1099""#)),
        ("KWD offer with 3 decimals", variant(#""currency":"EUR","#, #""currency":"KWD","#).replacingOccurrences(of: #""999.00""#, with: #""999.125""#)),
        ("EUR price with 1 decimal", variant(#""999.00""#, #""999.5""#)),
        ("percentOff with 8 decimals", variant(#""12.5""#, #""33.33333333""#, inCrossSell: true)),
        ("a number quantity on an upsell", variant(#""matchTrigger""#, "3")),
        ("attribute in", variant(#"{"key":"channel","equals":"web"}"#, #"{"key":"channel","in":["web","app"]}"#)),
        ("attribute exists", variant(#"{"key":"channel","equals":"web"}"#, #"{"key":"channel","exists":false}"#)),
        ("match all with productIds", variant(#""match":"any""#, #""match":"all""#)),
        ("exclusivityGroup and stopAfter", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"2.5","exclusivityGroup":"phones","stopAfter":true"#)),
        ("stopAfter false", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"2.5","stopAfter":false"#)),
        ("hours to 24:00 and overnight", variant(#""from":"09:00","to":"17:30""#, #""from":"22:00","to":"24:00""#)),
    ]

    /// Generated catalogs both must refuse.
    static let invalid: [(String, String)] = [
        // Misspelt fields: refused, never ignored.
        ("currancy", variant(#""currency":"EUR","#, #""currency":"EUR","currancy":"EUR","#)),
        ("maxPresentationPerCart", variant(#""maxPresentationsPerCart":3"#, #""maxPresentationPerCart":1"#)),
        ("holdoutPercentage", variant(#""holdoutPercent":"2.5""#, #""holdoutPercentage":50"#)),
        ("endAt", variant(#""endsAt""#, #""endAt""#)),
        ("item compareAtprice", variant(#""compareAtPrice""#, #""compareAtprice""#)),
        ("price rule field off", variant(#"{"fixed":"9.125"}"#, #"{"fixed":"9.125","off":"1"}"#, inCrossSell: true)),
        ("criteria field productID", variant(#""productIds":["phone-std"]"#, #""productIds":["phone-std"],"productID":["x"]"#)),
        ("catalog field", #"{"offers":[],"version":1}"#),
        ("exclusiveGroup", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"2.5","exclusiveGroup":"phones""#)),
        // Required fields, types and enums.
        ("no offerId", variant(#""offerId":"pro","#, "")),
        ("no kind", variant(#""kind":"upsell","#, "")),
        ("no status", variant(#""status":"active","#, "")),
        ("no items", variant(#""items":[{"productId":"case","variantId":"case-black","quantity":2,"#, #""things":[{"productId":"case","variantId":"case-black","quantity":2,"#, inCrossSell: true)),
        ("kind downsell", variant(#""kind":"upsell""#, #""kind":"downsell""#)),
        ("status live", variant(#""status":"active""#, #""status":"live""#)),
        ("priority as a string", variant(#""priority":10"#, #""priority":"high""#)),
        ("empty exclusivityGroup", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"2.5","exclusivityGroup":"""#)),
        ("exclusivityGroup as a number", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"2.5","exclusivityGroup":3"#)),
        ("stopAfter as a string", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"2.5","stopAfter":"yes""#)),
        ("description as a number", variant(#""description":"Pro phone""#, #""description":5"#)),
        ("showWhenItemsInCart as a string", variant(#""showWhenItemsInCart":false"#, #""showWhenItemsInCart":"no""#)),
        ("ttl 0", variant(#""ttlSeconds":1800"#, #""ttlSeconds":0"#)),
        ("ttl over a year", variant(#""ttlSeconds":1800"#, #""ttlSeconds":40000000"#)),
        ("version 0", variant(#""version":2"#, #""version":0"#)),
        ("cap 0", variant(#""maxPresentationsPerCart":3"#, #""maxPresentationsPerCart":0"#)),
        ("holdout 101", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":101"#)),
        ("holdout with 3 decimals", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"2.555""#)),
        ("holdout negative", variant(#""holdoutPercent":"2.5""#, #""holdoutPercent":"-1""#)),
        ("startsAt soon", variant(#""startsAt":"2026-11-01T00:00:00Z""#, #""startsAt":"soon""#)),
        ("no items listed", variant(#""items":[{"productId":"phone-pro","variantId":"phone-pro-128","quantity":"matchTrigger","unitPrice":"999.00","compareAtPrice":"1099.00"}]"#, #""items":[]"#)),
        ("empty offerId", variant(#""offerId":"pro""#, #""offerId":"""#)),
        ("offerId of 300 characters", variant(#""offerId":"pro""#, #""offerId":"\#(String(repeating: "x", count: 300))""#)),
        ("item without variantId", variant(#""variantId":"phone-pro-128","#, "")),
        ("quantity 0", variant(#""matchTrigger""#, "0")),
        ("quantity lots", variant(#""matchTrigger""#, #""lots""#)),
        ("price as a number", variant(#""unitPrice":"999.00""#, #""unitPrice":999.5"#)),
        ("negative price", variant(#""999.00""#, #""-1.00""#)),
        ("price with a comma", variant(#""999.00""#, #""9,99""#)),
        ("unitPrice and prices", variant(#""quantity":2,"#, #""quantity":2,"unitPrice":"1.00","#, inCrossSell: true)),
        ("compareAtPrice with prices", variant(#""quantity":2,"#, #""quantity":2,"compareAtPrice":"1.00","#, inCrossSell: true)),
        ("no price", variant(#","unitPrice":"999.00","compareAtPrice":"1099.00""#, "")),
        ("empty prices", variant(#"{"EUR":{"fixed":"29.00","of":"35.00"},"USD":{"percentOff":"12.5","of":"39.99"},"JPY":{"amountOff":"500","of":"4500"},"KWD":{"fixed":"9.125"}}"#, "{}", inCrossSell: true)),
        ("lower-case currency key", variant(#""EUR":{"fixed""#, #""eur":{"fixed""#, inCrossSell: true)),
        ("two price rules in one", variant(#"{"fixed":"9.125"}"#, #"{"fixed":"9.125","amountOff":"1","of":"10"}"#, inCrossSell: true)),
        ("percentOff without of", variant(#"{"percentOff":"12.5","of":"39.99"}"#, #"{"percentOff":"12.5"}"#, inCrossSell: true)),
        ("percentOff 120", variant(#""12.5""#, #""120""#, inCrossSell: true)),
        ("percentOff with 9 decimals", variant(#""12.5""#, #""1.123456789""#, inCrossSell: true)),
        // Every price has a currency, with at most its decimal places.
        ("bare unitPrice without currency", variant(#""currency":"EUR","#, "")),
        ("JPY price with decimals", variant(#""currency":"EUR","#, #""currency":"JPY","#).replacingOccurrences(of: #""999.00""#, with: #""999""#)),
        ("EUR price with 3 decimals", variant(#""999.00""#, #""9.999""#)),
        ("KWD compareAtPrice with 4 decimals", variant(#""currency":"EUR","#, #""currency":"KWD","#).replacingOccurrences(of: #""1099.00""#, with: #""1.2345""#)),
        ("JPY rule with decimals", variant(#""amountOff":"500","of":"4500""#, #""amountOff":"500","of":"4500.50""#, inCrossSell: true)),
        ("EUR list price with 3 decimals", variant(#""of":"35.00""#, #""of":"35.001""#, inCrossSell: true)),
        ("KWD rule with 4 decimals", variant(#""9.125""#, #""9.1255""#, inCrossSell: true)),
        ("invalid currency code", variant(#""currency":"EUR","#, #""currency":"eur","#)),
        ("matchTrigger on a cross-sell", variant(#""quantity":2"#, #""quantity":"matchTrigger""#, inCrossSell: true)),
        // Display criteria.
        ("empty condition", variant(#"{"itemCount":{"gte":1}}"#, "{}")),
        ("two keys in a condition", variant(#"{"itemCount":{"gte":1}}"#, #"{"itemCount":{"gte":1},"lineCount":{"lt":5}}"#)),
        ("unknown condition", variant(#"{"itemCount":{"gte":1}}"#, #"{"cartHas":{}}"#)),
        ("empty all", variant(#"{"itemCount":{"gte":1}}"#, #"{"all":[]}"#)),
        ("cartContains without selector", variant(#""productIds":["phone-std"],"#, "")),
        ("minQuantity 0", variant(#""minQuantity":1"#, #""minQuantity":0"#)),
        ("empty subtotal", variant(#"{"gte":"5000.00"}"#, "{}")),
        ("subtotal ten", variant(#""5000.00""#, #""ten""#)),
        ("negative itemCount", variant(#"{"itemCount":{"gte":1}}"#, #"{"itemCount":{"gte":-1}}"#)),
        ("lineCount lt 0", variant(#"{"lineCount":{"lt":50}}"#, #"{"lineCount":{"lt":0}}"#)),
        ("empty currency list", variant(#"{"currency":{"in":["EUR"]}}"#, #"{"currency":{"in":[]}}"#)),
        ("lower-case currency condition", variant(#"{"currency":{"in":["EUR"]}}"#, #"{"currency":{"in":["eur"]}}"#)),
        ("empty customer", variant(#"{"tags":{"any":["vip"],"none":["staff"]},"country":{"in":["DE"]},"ordersCount":{"gte":1,"lt":10},"returning":true,"signedIn":true}"#, "{}")),
        ("country name", variant(#""in":["DE"]"#, #""in":["Germany"]"#)),
        ("empty customer tags", variant(#"{"any":["vip"],"none":["staff"]}"#, "{}")),
        ("attribute without a test", variant(#"{"key":"channel","equals":"web"}"#, #"{"key":"channel"}"#)),
        ("attribute with an empty key", variant(#"{"key":"channel","equals":"web"}"#, #"{"key":"","exists":true}"#)),
        ("schedule without days or hours", variant(#","daysOfWeek":["mon","fri"],"hours":{"from":"09:00","to":"17:30"}"#, "")),
        ("empty daysOfWeek", variant(#"["mon","fri"]"#, "[]")),
        ("funday", variant(#"["mon","fri"]"#, #"["funday"]"#)),
        ("hours from 24:00", variant(#""from":"09:00""#, #""from":"24:00""#)),
        ("hours to 25:00", variant(#""to":"17:30""#, #""to":"25:00""#)),
        ("empty excludes", variant(#"{"tags":["gift"]}"#, "{}")),
        ("match all without products or variants", variant(#"{"collectionIds":["phones"]}"#, #"{"collectionIds":["phones"],"match":"all"}"#, inCrossSell: true)),
    ]

    /// Rules JSON Schema cannot express: the decoder refuses, the schema accepts. Each is
    /// listed in docs/offers.md.
    static let decoderOnly: [(String, String)] = [
        ("a duplicate offerId", variant(#""offerId":"case""#, #""offerId":"pro""#, inCrossSell: true)),
        ("an unknown time zone", variant("Europe/Berlin", "Mars/Olympus_Mons")),
        ("endsAt before startsAt", variant(#""endsAt":"2026-12-01T00:00:00Z""#, #""endsAt":"2026-10-01T00:00:00Z""#)),
        ("a date that does not exist", variant(#""endsAt":"2026-12-01T00:00:00Z""#, #""endsAt":"2026-02-30T00:00:00Z""#)),
        ("minQuantity above maxQuantity", variant(#""minQuantity":1,"maxQuantity":5"#, #""minQuantity":6,"maxQuantity":5"#)),
        ("a count range without room", variant(#""ordersCount":{"gte":1,"lt":10}"#, #""ordersCount":{"gte":10,"lt":10}"#)),
        ("a subtotal range without room", variant(#"{"gte":"5000.00"}"#, #"{"gte":"5000.00","lt":"10.00"}"#)),
        ("hours from equal to to", variant(#""from":"09:00","to":"17:30""#, #""from":"09:00","to":"09:00""#)),
        ("an upsell without cartContains", variant(#"{"cartContains":{"productIds":["phone-std"],"minQuantity":1,"maxQuantity":5,"match":"any"}},"#, "")),
        ("no price in the offer's currency", #"{"offers":[\#(crossSell.replacingOccurrences(of: #""status":"paused","#, with: #""status":"paused","currency":"GBP","#))]}"#),
    ]

    /// Catalogs the repository ships: schema examples, the demo's samples, and the JSON
    /// offers shown in the docs and the Kubernetes example.
    static func shippedCatalogs() throws -> [(String, String)] {
        func read(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }
        var catalogs: [(String, String)] = [
            ("schemas/examples/offer-catalog.json", try read("schemas/examples/offer-catalog.json")),
            ("schemas/examples/offer.json", #"{"offers":[\#(try read("schemas/examples/offer.json"))]}"#),
            ("Sources/OfferWorkerDemo/Samples/offers.json", try read("Sources/OfferWorkerDemo/Samples/offers.json")),
            ("test fixtures", #"{"offers":[\#(Build.proUpgrade),\#(Build.caseBundle)]}"#),
        ]
        for path in ["README.md", "docs/offers.md", "docs/display-criteria.md"] {
            let blocks = try read(path).components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
            for (index, block) in blocks.enumerated() where block.contains(#""offerId""#) {
                let catalog = block.contains(#""offers""#) ? block : #"{"offers":[\#(block)]}"#
                catalogs.append(("\(path) JSON block \(index + 1)", catalog))
            }
        }
        let kubernetes = try read("deploy/kubernetes.yaml")
        if let start = kubernetes.range(of: "offers.json: |\n"), let end = kubernetes.range(of: "\n---", range: start.upperBound..<kubernetes.endIndex) {
            catalogs.append(("deploy/kubernetes.yaml", String(kubernetes[start.upperBound..<end.lowerBound])))
        }
        return catalogs
    }

    /// Whether the decoder takes the catalog.
    static func decoderAccepts(_ catalog: String) -> Bool {
        (try? OfferCatalog.load(json: Data(catalog.utf8))) != nil
    }

    /// Whether the schema takes each catalog, in one run of the schema checker.
    static func schemaAccepts(_ catalogs: [String]) throws -> [Bool] {
        var input = ""
        for catalog in catalogs {
            let document = try JSONSerialization.jsonObject(with: Data(catalog.utf8))
            let line = try JSONSerialization.data(withJSONObject: ["schema": "offer-catalog", "value": document])
            input += String(decoding: line, as: UTF8.self) + "\n"
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/validate-events.py").path, root.appendingPathComponent("schemas").path]
        // The report goes to a file, read once the validator has exited: a blocking read of a
        // pipe can be interrupted by a signal (any suite's child exiting), which Foundation's
        // `readDataToEndOfFile()` answers with a crash of the whole test process.
        let reportFile = FileManager.default.temporaryDirectory.appendingPathComponent("schema-report-\(UUID()).txt")
        FileManager.default.createFile(atPath: reportFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: reportFile) }
        let reportHandle = try FileHandle(forWritingTo: reportFile)
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = reportHandle
        process.standardError = reportHandle
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        try reportHandle.close()
        let report = try String(contentsOf: reportFile, encoding: .utf8)
        // "line N (offer-catalog): path: message" for each error of document N.
        let invalid = Set(report.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("line "), let number = line.dropFirst(5).split(separator: " ").first else { return nil }
            return Int(number)
        })
        guard report.contains("\(catalogs.count - invalid.count) valid, \(invalid.count) invalid") else {
            throw SchemaCheckerFailed(report: "the schema checker did not run (scripts/ensure-deps --python installs jsonschema):\n\(report)")
        }
        return catalogs.indices.map { !invalid.contains($0 + 1) }
    }

    struct SchemaCheckerFailed: Error, CustomStringConvertible {
        let report: String
        var description: String { report }
    }

    @Test("shipped, valid, broken and decoder-only catalogs get the expected verdict from both")
    func verdictsAgree() throws {
        let shipped = try Self.shippedCatalogs()
        #expect(shipped.count >= 7, "expected the examples, samples, docs and deploy catalogs; found \(shipped.map(\.0))")
        let cases: [(name: String, catalog: String, decoder: Bool, schema: Bool)] =
            shipped.map { ($0, $1, true, true) } + Self.valid.map { ($0, $1, true, true) }
            + Self.invalid.map { ($0, $1, false, false) } + Self.decoderOnly.map { ($0, $1, false, true) }
        let schema = try Self.schemaAccepts(cases.map(\.catalog))
        for (index, check) in cases.enumerated() {
            let decoder = Self.decoderAccepts(check.catalog)
            #expect(decoder == check.decoder, "decoder on \(check.name): \(decoder ? "accepted" : "refused: \(problems(check.catalog))")")
            #expect(schema[index] == check.schema, "schema on \(check.name): \(schema[index] ? "accepted" : "refused")")
        }
    }

    func problems(_ catalog: String) -> [String] {
        do {
            _ = try OfferCatalog.load(json: Data(catalog.utf8))
            return []
        } catch {
            return error.problems
        }
    }

    @Test("every generated catalog is valid JSON and differs from the base (the generator did something)")
    func generatorWorks() throws {
        for (name, catalog) in Self.valid.dropFirst() + Self.invalid + Self.decoderOnly {
            #expect(catalog != Self.base, "\(name) changed nothing")
            #expect((try? JSONSerialization.jsonObject(with: Data(catalog.utf8))) != nil, "\(name) is not JSON")
        }
    }
}
