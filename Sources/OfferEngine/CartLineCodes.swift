/// A cart's line values as codes of a ``CatalogVocabulary``: what compiled `cartContains`
/// conditions and the index compare, made once per cart event.
///
/// All in one array (one allocation per event): per line its product, variant, product type
/// and vendor code (`-1`: not in the vocabulary, or no value), then where each line's
/// collection and tag codes start, then those codes (values not in the vocabulary left out:
/// no selector names them).
struct CartLineCodes: Sendable {
    let lineCount: Int
    private let storage: [Int32]
    /// The vocabulary the codes are of: only codes of the same vocabulary compare.
    let vocabulary: CatalogVocabulary?

    /// No lines, of no vocabulary.
    init() {
        lineCount = 0
        storage = [0, 0]
        vocabulary = nil
    }

    init(lines: [CartLine], vocabulary: CatalogVocabulary) {
        let count = lines.count
        self.lineCount = count
        self.vocabulary = vocabulary
        let fixed = 6 * count + 2
        // The most codes there can be: every collection and tag value of the lines, should
        // the vocabulary hold them all.
        let codesCollections = !vocabulary.collections.isEmpty
        let codesTags = !vocabulary.tags.isEmpty
        // Reserved and filled rather than `init(repeating:count:)` or
        // `init(unsafeUninitializedCapacity:)`, whose unspecialized allocations look the
        // array's type up at run time (hundreds of instructions).
        var storage: [Int32] = []
        storage.reserveCapacity(fixed + (codesCollections || codesTags ? 4 * count : 0))
        storage.append(contentsOf: repeatElement(-1, count: fixed))
        // Lines are read in place (a copy would retain every field), and the fixed part is
        // written through a pointer; a field no selector uses is not looked up.
        lines.withUnsafeBufferPointer { lines in
            storage.withUnsafeMutableBufferPointer { storage in
                if !vocabulary.products.isEmpty {
                    for index in 0..<count { storage[index] = vocabulary.productTable.code(lines[index].productId) ?? -1 }
                }
                if !vocabulary.variants.isEmpty {
                    for index in 0..<count { storage[count + index] = vocabulary.variantTable.code(lines[index].variantId) ?? -1 }
                }
                if !vocabulary.productTypes.isEmpty {
                    for index in 0..<count {
                        if let value = lines[index].productType { storage[2 * count + index] = vocabulary.productTypeTable.code(value) ?? -1 }
                    }
                }
                if !vocabulary.vendors.isEmpty {
                    for index in 0..<count {
                        if let value = lines[index].vendor { storage[3 * count + index] = vocabulary.vendorTable.code(value) ?? -1 }
                    }
                }
                if !codesCollections, !codesTags {
                    // No collection or tag codes: every line's (empty) range starts at the end.
                    for position in 4 * count..<fixed { storage[position] = Int32(fixed) }
                }
            }
            guard codesCollections || codesTags else { return }
            for index in 0..<count {
                storage[4 * count + index] = Int32(storage.count)
                guard codesCollections, let values = lines[index].collectionIds else { continue }
                for value in values { if let code = vocabulary.collectionTable.code(value) { storage.append(code) } }
            }
            storage[5 * count] = Int32(storage.count)
            for index in 0..<count {
                storage[5 * count + 1 + index] = Int32(storage.count)
                guard codesTags, let values = lines[index].tags else { continue }
                for value in values { if let code = vocabulary.tagTable.code(value) { storage.append(code) } }
            }
            storage[6 * count + 1] = Int32(storage.count)
        }
        self.storage = storage
    }

    @inline(__always) func product(_ line: Int) -> Int32 { storage[line] }
    @inline(__always) func variant(_ line: Int) -> Int32 { storage[lineCount + line] }
    @inline(__always) func productType(_ line: Int) -> Int32 { storage[2 * lineCount + line] }
    @inline(__always) func vendor(_ line: Int) -> Int32 { storage[3 * lineCount + line] }

    /// The line's collection codes, as positions for ``code(at:)``.
    @inline(__always) func collections(_ line: Int) -> Range<Int> {
        Int(storage[4 * lineCount + line])..<Int(storage[4 * lineCount + line + 1])
    }

    /// The line's tag codes, as positions for ``code(at:)``.
    @inline(__always) func tags(_ line: Int) -> Range<Int> {
        Int(storage[5 * lineCount + 1 + line])..<Int(storage[5 * lineCount + 1 + line + 1])
    }

    @inline(__always) func code(at position: Int) -> Int32 { storage[position] }
}
