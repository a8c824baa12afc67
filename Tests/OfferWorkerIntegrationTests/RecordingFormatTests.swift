import Foundation
import Kafka
import OfferWorker
import Testing

@Suite("Recording format (JSON Lines)")
struct RecordingFormatTests {
    @Test("a UTF-8 record is one readable line, fields in a fixed order, and reads back equal")
    func readableLine() throws {
        let line = RecordingFormat.Line(
            topic: "cart.updated", partition: 3, offset: 42, timestamp: 1_764_000_000_000,
            key: Array("cart-1".utf8), value: Array(#"{"cartId":"cart-1","note":"a \"quoted\"\nline, é ✓"}"#.utf8),
            headers: [KafkaHeader(name: "ce_id", string: "abc"), KafkaHeader(name: "empty", value: nil)])
        let text = String(decoding: RecordingFormat.encode(line), as: UTF8.self)
        #expect(text == #"""
        {"topic":"cart.updated","partition":3,"offset":42,"timestamp":1764000000000,"key":"cart-1","value":"{\"cartId\":\"cart-1\",\"note\":\"a \\\"quoted\\\"\\nline, é ✓\"}","headers":[["ce_id","abc"],["empty",null]]}
        """# + "\n")
        let decoded = try RecordingFormat.decode(Array(text.utf8.dropLast()), lineNumber: 1)
        #expect(decoded == line)
        // Any JSON tool reads it.
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(object?["key"] as? String == "cart-1")
    }

    @Test("bytes that are not UTF-8 are kept exactly as keyBase64, valueBase64 and [name, null, base64]; null stays null")
    func binaryFields() throws {
        let binary: [UInt8] = [0xFF, 0x00, 0xFE, 0x80, 0x41]
        let line = RecordingFormat.Line(
            topic: "t", partition: 0, offset: 0, timestamp: nil, key: binary, value: nil,
            headers: [KafkaHeader(name: "bin", value: [0xC3, 0x28]), KafkaHeader(name: "text", string: "ok")])
        let text = String(decoding: RecordingFormat.encode(line), as: UTF8.self)
        #expect(text == #"{"topic":"t","partition":0,"offset":0,"timestamp":null,"keyBase64":"/wD+gEE=","value":null,"headers":[["bin",null,"wyg="],["text","ok"]]}"# + "\n")
        #expect(try RecordingFormat.decode(Array(text.utf8.dropLast()), lineNumber: 1) == line)

        let valueOnly = RecordingFormat.Line(topic: "t", partition: 1, offset: 9, timestamp: 5, key: nil, value: binary + Array("{}".utf8))
        let encoded = RecordingFormat.encode(valueOnly)
        #expect(String(decoding: encoded, as: UTF8.self).contains(#""key":null,"valueBase64":"#))
        #expect(try RecordingFormat.decode(encoded.dropLast(), lineNumber: 1) == valueOnly)
    }

    @Test("control characters are escaped and every byte value round-trips, as text or as base64")
    func everyByte() throws {
        for value in [Array(0..<128).map(UInt8.init), Array(0...255).map(UInt8.init), Array("ünïcödé \u{1F600}\t\r\n".utf8), []] {
            let line = RecordingFormat.Line(topic: "t", partition: 0, offset: 1, timestamp: 2, key: value, value: value,
                                            headers: [KafkaHeader(name: "h\n\"", value: value)])
            let encoded = RecordingFormat.encode(line)
            #expect(encoded.filter { $0 == 0x0A }.count == 1, "one line, newline last")
            #expect(encoded.allSatisfy { $0 >= 0x20 || $0 == 0x0A })
            #expect(try RecordingFormat.decode(encoded.dropLast(), lineNumber: 1) == line)
        }
    }

    @Test("outputs carry no partition or offset; reading tolerates spacing and field order")
    func outputsAndLenientSpacing() throws {
        let output = RecordingFormat.Line(ProducerRecord(topic: "offer.presented", key: Array("c".utf8), value: Array("{}".utf8), timestamp: 7))
        #expect(String(decoding: RecordingFormat.encode(output), as: UTF8.self).hasPrefix(#"{"topic":"offer.presented","partition":null,"offset":null,"timestamp":7,"#))
        let handWritten = #"  { "value" : "v\u00e9\/" , "headers": [ ["a", "b"] , ["c", null, "AAE="] ], "key":null, "offset": 7, "partition": 2, "topic": "x", "timestamp": -5 }  "#
        let decoded = try RecordingFormat.decode(Array(handWritten.utf8), lineNumber: 3)
        #expect(decoded == RecordingFormat.Line(topic: "x", partition: 2, offset: 7, timestamp: -5, key: nil, value: Array("vé/".utf8),
                                                 headers: [KafkaHeader(name: "a", string: "b"), KafkaHeader(name: "c", value: [0, 1])]))
        #expect(throws: RecordingFormat.LineError(line: 4, reason: "a recorded input needs \"partition\" and \"offset\"")) {
            try RecordingFormat.decode(RecordingFormat.encode(output).dropLast(), lineNumber: 4).consumerRecord(lineNumber: 4)
        }
    }

    @Test("a line that is not in the format is refused with its line number and what is wrong")
    func refusals() {
        let cases: [(String, String)] = [
            (#"{"topic":"t","partition":0,"offset":1,"vaule":"x"}"#, "line 5: unknown field 'vaule'"),
            (#"{"topic":"t","key":"a","keyBase64":"YQ=="}"#, #"line 5: give "key" or "keyBase64", not both"#),
            (#"{"topic":"t","valueBase64":"***"}"#, #"line 5: "valueBase64" is not valid base64"#),
            (#"{"topic":"t","partition":1.5}"#, #"line 5: "partition" must be a whole number"#),
            (#"{"topic":"t","offset":-1}"#, #"line 5: "offset" must not be negative"#),
            (#"{"partition":0}"#, #"line 5: missing "topic""#),
            (#"{"topic":"t","headers":[["a","b","c"]]}"#, "line 5: header 'a': a third element is only for base64 bytes, after null"),
            (#"{"topic":"t"} x"#, "line 5: unexpected text after the record"),
            (#"{"topic":"t","key":"\ud800"}"#, "line 5: an unpaired surrogate escape in a string"),
            (#"{"topic":"t","topic":"u"}"#, "line 5: field 'topic' given twice"),
            (#"["topic"]"#, "line 5: expected '{' at the start of a record"),
        ]
        for (line, message) in cases {
            do {
                _ = try RecordingFormat.decode(Array(line.utf8), lineNumber: 5)
                Issue.record("accepted: \(line)")
            } catch {
                #expect("\(error)".hasPrefix(message), "\(line) → \(error)")
            }
        }
        // Raw bytes that are not UTF-8 inside a string belong in a base64 field.
        let raw = Array(#"{"topic":"t","key":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(throws: RecordingFormat.LineError.self) { try RecordingFormat.decode(raw, lineNumber: 1) }
    }

    @Test("a recording file is read line by line, blank lines skipped, lines longer than the read buffer whole")
    func readerAndWriter() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("recording-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 3 << 20)
        let lines = (0..<5).map { i in
            RecordingFormat.Line(topic: "t", partition: 0, offset: Int64(i), timestamp: Int64(i), key: nil, value: i == 2 ? big : Array("v\(i)".utf8))
        }
        let writer = try RecordingWriter(path: path)
        for line in lines { try writer.write(line) }
        try writer.close()
        // A blank line and a last line without its newline are fine too.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n".utf8) + Data(RecordingFormat.encode(lines[0]).dropLast()))
        try handle.close()

        var read: [RecordingFormat.Line] = []
        var numbers: [Int] = []
        try RecordingReader(path: path).forEachLine { buffer, number, _ in
            read.append(try RecordingFormat.decode(buffer, lineNumber: number))
            numbers.append(number)
        }
        #expect(read == lines + [lines[0]])
        #expect(numbers == [1, 2, 3, 4, 5, 7])
    }
}
