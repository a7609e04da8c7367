import Foundation

/// The transformation modifiers, on rule strings held as pattern parts (literal bytes and
/// wildcards): `windash`, `wide`/`utf16le`/`utf16be`/`utf16`, `base64`, `base64offset`. Each
/// maps one value to one or more values, as pySigma does.
enum ValueTransforms {
    typealias Parts = [Pattern.Part]

    /// Every combination of `-`, `/`, en dash, em dash and horizontal bar for each `-` or `/`
    /// that starts a word (not preceded by a word character, followed by one): `-param` and
    /// `/param`, but not the dash inside `a-b`. More than 6 such characters are refused (5^n
    /// variants).
    static func windash(_ parts: Parts) throws(TransformError) -> [Parts] {
        let dashes: [[UInt8]] = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"].map { Array($0.utf8) }
        var results: [Parts] = [[]]
        var previousIsWord = false
        var positions = 0
        for (index, part) in parts.enumerated() {
            guard case .literal(let bytes) = part else {
                results = results.map { $0 + [part] }
                previousIsWord = false
                continue
            }
            var pieces: [[[UInt8]]] = [[[]]]  // alternatives per segment
            var current: [UInt8] = []
            for (offset, byte) in bytes.enumerated() {
                let next: UInt8? = offset + 1 < bytes.count ? bytes[offset + 1] : nextLiteralByte(parts, after: index)
                if (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")) && !previousIsWord, let next, isWord(next) {
                    pieces[pieces.count - 1] = [current]
                    pieces.append(dashes)
                    pieces.append([[]])
                    current = []
                    positions += 1
                    guard positions <= 6 else { throw TransformError(message: "windash on a value with more than 6 dashes or slashes") }
                } else {
                    current.append(byte)
                }
                previousIsWord = isWord(byte)
            }
            pieces[pieces.count - 1] = [current]
            var combinations: [[UInt8]] = [[]]
            for alternatives in pieces {
                combinations = combinations.flatMap { prefix in alternatives.map { prefix + $0 } }
            }
            results = results.flatMap { prefix in combinations.map { prefix + [.literal($0)] } }
        }
        return results
    }

    private static func nextLiteralByte(_ parts: Parts, after index: Int) -> UInt8? {
        guard index + 1 < parts.count, case .literal(let bytes) = parts[index + 1] else { return nil }
        return bytes.first
    }

    private static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte >= 0x80
    }

    enum UTF16Form { case littleEndian, bigEndian, withByteOrderMark }

    /// Literal text re-encoded as UTF-16 code units; wildcards stay wildcards.
    static func utf16(_ parts: Parts, _ form: UTF16Form) -> Parts {
        var result: Parts = form == .withByteOrderMark ? [.literal([0xFF, 0xFE])] : []
        for part in parts {
            guard case .literal(let bytes) = part else {
                result.append(part)
                continue
            }
            var encoded: [UInt8] = []
            for unit in String(decoding: bytes, as: UTF8.self).utf16 {
                let low = UInt8(unit & 0xFF)
                let high = UInt8(unit >> 8)
                if form == .bigEndian { encoded += [high, low] } else { encoded += [low, high] }
            }
            result.append(.literal(encoded))
        }
        return result
    }

    /// Base64 of the value's bytes; values with wildcards are refused.
    static func base64(_ parts: Parts) throws(TransformError) -> Parts {
        [.literal(Array(Data(try plain(parts)).base64EncodedString().utf8))]
    }

    /// The three base64 forms of the value at byte offsets 0, 1 and 2 of an encoded text,
    /// without the characters that depend on the neighbouring bytes.
    static func base64Offsets(_ parts: Parts) throws(TransformError) -> [Parts] {
        let bytes = try plain(parts)
        let starts = [0, 2, 3]
        let ends = [0, -3, -2]
        return (0..<3).compactMap { shift in
            let encoded = Array(Data(Array(repeating: UInt8(ascii: " "), count: shift) + bytes).base64EncodedString().utf8)
            let end = encoded.count + ends[(bytes.count + shift) % 3]
            guard starts[shift] < end else { return nil }
            return [.literal(Array(encoded[starts[shift]..<end]))]
        }
    }

    private static func plain(_ parts: Parts) throws(TransformError) -> [UInt8] {
        var bytes: [UInt8] = []
        for part in parts {
            guard case .literal(let literal) = part else {
                throw TransformError(message: "base64 of a value with wildcards (* or ?) is not defined")
            }
            bytes += literal
        }
        return bytes
    }
}

/// Why a transformation modifier cannot apply to a value.
struct TransformError: Error, Sendable {
    var message: String
}
