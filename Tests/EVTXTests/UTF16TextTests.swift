@testable import EVTX
import EventLog
import Testing

/// Decoding stored UTF-16 to UTF-8 (what matching reads a field's text as) agrees with the
/// standard library's decoding up to the first NUL, whatever runs of ASCII the fast paths
/// take eight and four units at a time, and wherever a NUL, a non-ASCII character or a lone
/// surrogate breaks them.
struct UTF16TextTests {
    @Test("UTF-16 text decodes as the standard library decodes it, up to its first NUL")
    func decodingAgrees() {
        var state: UInt64 = 11
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        // Mostly ASCII, so that the eight- and four-unit steps run, broken now and then.
        let rare: [UInt16] = [0, 0x7F, 0x80, 0xE9, 0x20AC, 0xD834, 0xDD1E, 0xDC00, 0xFFFF]
        var checked = 0
        for _ in 0..<20_000 {
            let units: [UInt16] = (0..<next(40)).map { _ in
                next(12) == 0 ? rare[next(rare.count)] : UInt16(0x20 + next(0x5F))
            }
            let expected = Array(String(decoding: units.prefix { $0 != 0 }, as: UTF16.self).utf8)
            // Stored at an odd offset too: records do not align their values.
            let padding = next(2)
            let bytes = [UInt8](repeating: 0x41, count: padding) + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            var output = RenderBuffer(capacity: 16)
            bytes.withUnsafeBytes { UTF16Text.append($0, offset: padding, count: units.count, escaping: .none, to: &output) }
            let decoded = Array(UnsafeBufferPointer(start: output.baseAddress, count: output.count))
            #expect(decoded == expected, "\(units)")
            checked += expected.count
        }
        #expect(checked > 100_000)
    }
}
