import Testing
@testable import OfferEngine
@Test func smoke() { #expect(DecimalAmount("1.50") == DecimalAmount("1.5")) }
