/// A cart's presentations by id, held in the order of their ids (as `String`s).
///
/// A cart has a handful of presentations, read on every cart event (is an offer still
/// shown?) and written to the changelog in id order whenever the cart changes. A sorted
/// array serves both: a lookup is a binary search, an offer's open presentation is found
/// by reading each entry in place (a `Dictionary`'s values can only be read as copies,
/// each retaining the presentation's strings and arrays), and the changelog writes the
/// entries as they are, with no sort. Equal tables are equal arrays, so `==` and hashing
/// are those of the entries.
public struct Presentations: Sendable, Hashable {
    /// A presentation under its key, which is its ``Presentation/presentationId`` whenever
    /// the engine or the changelog made it.
    struct Entry: Sendable, Hashable {
        var key: String
        var value: Presentation
    }

    /// Ascending by key, each key once.
    private(set) var entries: [Entry]

    public init() { entries = [] }

    /// An empty table with room for `minimumCapacity` presentations.
    public init(minimumCapacity: Int) {
        entries = []
        entries.reserveCapacity(minimumCapacity)
    }

    /// The presentations of `dictionary`, under its keys.
    public init(_ dictionary: [String: Presentation]) {
        entries = dictionary.map { Entry(key: $0.key, value: $0.value) }.sorted { $0.key < $1.key }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The keys, ascending.
    public var keys: [String] { entries.map(\.key) }
    /// The presentations, in the order of their keys.
    public var values: [Presentation] { entries.map(\.value) }

    /// The presentation under `key`; assigning `nil` removes it.
    public subscript(key: String) -> Presentation? {
        get {
            let (position, found) = locate(key)
            return found ? entries[position].value : nil
        }
        set {
            let (position, found) = locate(key)
            switch (newValue, found) {
            case (let value?, true): entries[position].value = value
            case (let value?, false): insert(Entry(key: key, value: value), at: position)
            case (nil, true): entries.remove(at: position)
            case (nil, false): break
            }
        }
    }

    /// Removes the presentations `shouldRemove` picks. A table with none to remove is not
    /// written to, so storage shared with a copy is not copied for nothing.
    public mutating func removeAll(where shouldRemove: (Presentation) throws -> Bool) rethrows {
        guard try entries.contains(where: { try shouldRemove($0.value) }) else { return }
        try entries.removeAll { try shouldRemove($0.value) }
    }

    /// Appends `value` under `key` when `key` sorts after every key held (the order the
    /// changelog writes them in); otherwise inserts it in its place. Returns `false`, and
    /// changes nothing, when `key` is held already.
    mutating func add(_ value: consuming Presentation, forKey key: String) -> Bool {
        if let last = entries.last, !(last.key < key) {
            let (position, found) = locate(key)
            guard !found else { return false }
            insert(Entry(key: key, value: value), at: position)
            return true
        }
        entries.append(Entry(key: key, value: value))
        return true
    }

    /// Inserts `entry` at `position`: appended, then moved down into place (the few
    /// entries a cart has; `Array.insert` goes through the general `replaceSubrange`).
    private mutating func insert(_ entry: consuming Entry, at position: Int) {
        entries.append(entry)
        entries.withUnsafeMutableBufferPointer { buffer in
            var index = buffer.count - 1
            while index > position {
                buffer.swapAt(index, index - 1)
                index -= 1
            }
        }
    }

    /// Where `key` is, or where it would go: the position of the first key not below it,
    /// and whether that key is `key`.
    private func locate(_ key: String) -> (position: Int, found: Bool) {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].key < key { low = middle + 1 } else { high = middle }
        }
        return (low, low < entries.count && entries[low].key == key)
    }
}

extension Presentations: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, Presentation)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
