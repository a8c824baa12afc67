import OfferEngine

/// The bytes of one event being written (OfferEngine's ``ByteOutput``): it starts on a stack
/// scratch buffer big enough for the usual event and moves to the heap only for a bigger
/// one; the finished bytes are copied once into the caller's array (``append(to:_:)``) or
/// into a new array of exactly their size (``bytes(_:)``).
typealias WireOutput = ByteOutput

extension ByteOutput {
    /// Room for the usual output event without leaving the stack.
    static var scratchCapacity: Int { stackCapacity }

    /// Appends to `buffer` what `write` writes.
    static func append(to buffer: inout [UInt8], _ write: (inout WireOutput) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scratchCapacity) { scratch in
            var output = ByteOutput(scratch: UnsafeMutableRawBufferPointer(scratch))
            write(&output)
            buffer.append(contentsOf: output.written)
        }
    }

    /// What `write` writes, in an array of exactly that size.
    static func bytes(_ write: (inout WireOutput) -> Void) -> [UInt8] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scratchCapacity) { scratch in
            var output = ByteOutput(scratch: UnsafeMutableRawBufferPointer(scratch))
            write(&output)
            return output.bytes
        }
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `count` copies of `byte`.
    @inline(__always)
    mutating func append(_ byte: UInt8, count repeats: Int) {
        guard repeats > 0 else { return }
        reserve(repeats).update(repeating: byte, count: repeats)
        commit(repeats)
    }
}
