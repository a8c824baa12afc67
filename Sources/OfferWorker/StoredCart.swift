import Foundation
import OfferEngine

/// One cart's stored state: the engine's session, plus the time of the cart's latest
/// event, which idle eviction judges. ``encoded()`` is the changelog record's value and
/// the form the state store keeps in memory.
///
/// Format: the first byte is the format version. Version 1 (``formatVersion``) follows with
/// `lastActivity` (zigzag varint milliseconds since the epoch) and the session
/// (``CartSession/encode(into:relativeTo:)``, times relative to `lastActivity`); nothing may
/// follow. A changed layout takes a new version byte, and readers keep reading the old
/// ones. A value starting with `{` is the JSON the worker wrote before version 1; it is
/// read and converted (``init(decoding:)``), never written.
struct StoredCart: Sendable, Hashable {
    var session: CartSession
    /// The latest event time of any of the cart's events.
    var lastActivity: EventTime

    /// The format version ``encoded()`` writes.
    static let formatVersion: UInt8 = 1

    init(session: CartSession, lastActivity: EventTime) {
        self.session = session
        self.lastActivity = lastActivity
    }

    /// The binary record, in format ``formatVersion``. The same state gives the same bytes.
    func encoded() -> [UInt8] {
        BinaryWriter.bytes { writer in
            writer.writeByte(Self.formatVersion)
            writer.writeTime(lastActivity)
            session.encode(into: &writer, relativeTo: lastActivity)
        }
    }

    /// At least the size of ``encoded()``, worked out without encoding (see
    /// ``CartSession/encodedSizeBound``): the version byte and `lastActivity` take at most 11.
    var encodedSizeBound: Int { 11 + session.encodedSizeBound }

    /// The `lastActivity` of an encoded record, read from its header without decoding the
    /// session: for idle eviction and restore, which look at every cart.
    static func lastActivity(ofEncoded bytes: [UInt8]) throws(StoredCartDecodingError) -> EventTime {
        if bytes.first == Self.formatVersion {
            var reader = BinaryReader(bytes, offset: 1)
            do throws(BinaryDecodingError) {
                return try reader.readTime("lastActivity")
            } catch {
                throw StoredCartDecodingError(reason: "state format 1, \(error)")
            }
        }
        return try StoredCart(decoding: bytes).lastActivity
    }

    /// Reads a record written by ``encoded()`` (any format version this build knows) or
    /// the legacy JSON form (first byte `{`).
    init(decoding bytes: [UInt8]) throws(StoredCartDecodingError) {
        guard let first = bytes.first else { throw StoredCartDecodingError(reason: "empty value") }
        switch first {
        case UInt8(ascii: "{"):
            do {
                let legacy = try JSONDecoder().decode(LegacyStoredCart.self, from: Data(bytes))
                self.init(session: legacy.session, lastActivity: legacy.lastActivity)
            } catch {
                throw StoredCartDecodingError(reason: "legacy JSON state: \(error)")
            }
        case Self.formatVersion:
            var reader = BinaryReader(bytes, offset: 1)
            do throws(BinaryDecodingError) {
                let lastActivity = try reader.readTime("lastActivity")
                let session = try CartSession(from: &reader, relativeTo: lastActivity)
                guard reader.isAtEnd else { throw reader.error("\(bytes.count - reader.offset) bytes after the session") }
                self.init(session: session, lastActivity: lastActivity)
            } catch {
                throw StoredCartDecodingError(reason: "state format 1, \(error)")
            }
        default:
            throw StoredCartDecodingError(reason: "unknown state format version \(first) (this worker reads 1 and legacy JSON)")
        }
    }
}

/// Why a changelog value cannot be read as a ``StoredCart``.
struct StoredCartDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// The JSON changelog value written before format 1 (`recentCartEvents` is read past: the
/// cart version check already makes a repeated cart event change nothing).
private struct LegacyStoredCart: Decodable {
    var session: CartSession
    var lastActivity: EventTime
}
