import Foundation

#if canImport(_FoundationICU)
import _FoundationICU
#endif

/// A compiled regular expression (ICU), compared by its source.
///
/// Where the toolchain's ICU is importable (Linux) it runs through ICU's C interface on
/// UTF-16 that `RegexScratch` keeps per thread: `NSRegularExpression` runs the same ICU
/// engine with the same flags, but first makes an `NSString` of the text and copies it out
/// character by character, which cost more than the matching itself. Elsewhere it runs
/// through `NSRegularExpression`.
final class RegexMatcher: @unchecked Sendable, Hashable {
    let source: String
    let options: NSRegularExpression.Options
    #if canImport(_FoundationICU)
    // The toolchain's ICU names its C functions with a `swift_` prefix (`swift_uregex_open`
    // for `uregex_open`) so as not to clash with a system ICU; its header's renaming macros do
    // not reach Swift.
    /// The compiled expression; searches run on clones of it (`RegexScratch.matcher`), since
    /// an ICU matcher holds the text it searches.
    private let compiled: OpaquePointer
    #else
    private let expression: NSRegularExpression
    #endif
    /// Folded texts every match contains, tested before the expression runs.
    let requiredLiterals: [[UInt8]]
    /// The expression as a wildcard pattern, for ASCII text without line breaks.
    let wildcard: Pattern?
    /// The expression as a sequence of byte classes, for ASCII text without line breaks.
    let classes: ClassSequence?
    /// Whether ICU may match letters beyond ASCII case folding (case-insensitive), so the
    /// literal test holds only on ASCII text.
    let foldsBeyondASCII: Bool
    /// The most line breaks a match can hold (0: it stays within one line), so that its
    /// required literals must all be that close in the text (`RegexLiteral.lineBreakLimit`);
    /// nil when there is no such bound.
    let lineBreakLimit: Int?

    /// Why an expression does not compile.
    struct Invalid: Error {
        var reason: String
    }

    init(_ source: String, options: NSRegularExpression.Options) throws {
        self.source = source
        self.options = options
        #if canImport(_FoundationICU)
        // The flags NSRegularExpression gives ICU for these options.
        var flags: UInt32 = 0
        if options.contains(.caseInsensitive) { flags |= UInt32(UREGEX_CASE_INSENSITIVE.rawValue) }
        if options.contains(.allowCommentsAndWhitespace) { flags |= UInt32(UREGEX_COMMENTS.rawValue) }
        if options.contains(.dotMatchesLineSeparators) { flags |= UInt32(UREGEX_DOTALL.rawValue) }
        if options.contains(.anchorsMatchLines) { flags |= UInt32(UREGEX_MULTILINE.rawValue) }
        let pattern = Array(source.utf16)
        var status = U_ZERO_ERROR
        let compiled = pattern.withUnsafeBufferPointer { swift_uregex_open($0.baseAddress, Int32($0.count), flags, nil, &status) }
        guard let compiled, status.rawValue <= U_ZERO_ERROR.rawValue else {
            if let compiled { swift_uregex_close(compiled) }
            throw Invalid(reason: String(cString: swift_u_errorName(status)))
        }
        self.compiled = compiled
        #else
        expression = try NSRegularExpression(pattern: source, options: options)
        #endif
        let insensitive = options.contains(.caseInsensitive)
        foldsBeyondASCII = insensitive || RegexLiteral.hasInlineOptions(source)
        requiredLiterals = options.contains(.allowCommentsAndWhitespace) ? [] : RegexLiteral.required(in: source, caseInsensitive: insensitive)
        wildcard = options.contains(.allowCommentsAndWhitespace) ? nil : RegexLiteral.wildcardPattern(of: source, caseInsensitive: insensitive)
        classes = options.contains(.allowCommentsAndWhitespace) ? nil : ClassSequence.parse(source, caseInsensitive: insensitive)
        lineBreakLimit =
            options.contains(.allowCommentsAndWhitespace) || options.contains(.dotMatchesLineSeparators)
            ? nil : RegexLiteral.lineBreakLimit(source)
    }

    #if canImport(_FoundationICU)
    deinit { swift_uregex_close(compiled) }
    #endif

    /// Whether the expression matches somewhere in `text`, which is UTF-8 (repaired as
    /// `String(decoding:as:)` repairs it). `textKey`, when not 0, names the text for as long
    /// as it stays the same (a field of one event): the scratch converts it for ICU once for
    /// every expression that searches it.
    func matches(utf8 text: UnsafeRawBufferPointer, _ scratch: RegexScratch, textKey: UInt64 = 0) -> Bool {
        #if canImport(_FoundationICU)
        let units = scratch.utf16(text, key: textKey)
        var status = U_ZERO_ERROR
        let matcher = scratch.matcher(for: self)
        // The buffer is never null: ICU refuses a null text, even an empty one.
        swift_uregex_setText(matcher, units.baseAddress, Int32(units.count), &status)
        let found = swift_uregex_find(matcher, 0, &status) != 0
        return found && status.rawValue <= U_ZERO_ERROR.rawValue
        #else
        matches(String(decoding: text, as: UTF8.self))
        #endif
    }

    func matches(_ text: String, _ scratch: RegexScratch) -> Bool {
        var text = text
        return text.withUTF8 { matches(utf8: UnsafeRawBufferPointer($0), scratch) }
    }

    /// Whether the expression matches somewhere in `text` (for tests and one-off use: it
    /// makes a scratch of its own).
    func matches(_ text: String) -> Bool {
        #if canImport(_FoundationICU)
        matches(text, RegexScratch())
        #else
        expression.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
        #endif
    }

    static func == (lhs: RegexMatcher, rhs: RegexMatcher) -> Bool { lhs.source == rhs.source && lhs.options == rhs.options }
    func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(options.rawValue)
    }

    #if canImport(_FoundationICU)
    fileprivate func clone() -> OpaquePointer? {
        var status = U_ZERO_ERROR
        let matcher = swift_uregex_clone(compiled, &status)
        return status.rawValue <= U_ZERO_ERROR.rawValue ? matcher : nil
    }
    #endif
}

/// What running regular expressions needs on one thread: an ICU matcher per expression
/// (cloned on first use; clones share the compiled pattern) and a buffer for the text in
/// UTF-16. Not to be shared between threads.
final class RegexScratch {
    #if canImport(_FoundationICU)
    /// Expression → its matcher on this thread; the expression is kept so that its identity
    /// stays its own.
    private var matchers: [ObjectIdentifier: (regex: RegexMatcher, matcher: OpaquePointer)] = [:]
    private var buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: 1024)
    private var capacity = 1024
    /// The key of the text `buffer` holds (0: none) and its length in units.
    private var bufferKey: UInt64 = 0
    private var bufferCount = 0

    deinit {
        for entry in matchers.values { swift_uregex_close(entry.matcher) }
        buffer.deallocate()
    }

    fileprivate func matcher(for regex: RegexMatcher) -> OpaquePointer {
        if let entry = matchers[ObjectIdentifier(regex)] { return entry.matcher }
        // A clone fails only without memory; a matcher opened from the source would fail too.
        guard let matcher = regex.clone() else { fatalError("ICU could not clone the regular expression \(regex.source)") }
        matchers[ObjectIdentifier(regex)] = (regex, matcher)
        return matcher
    }

    /// `text` in UTF-16, as `utf16(_:)` gives it, converted again only when `key` is 0 or not
    /// the key of the last text.
    fileprivate func utf16(_ text: UnsafeRawBufferPointer, key: UInt64) -> UnsafeBufferPointer<UInt16> {
        if key != 0 && key == bufferKey { return UnsafeBufferPointer(start: buffer, count: bufferCount) }
        let units = utf16(text)
        bufferKey = key
        bufferCount = units.count
        return units
    }

    /// `text` (UTF-8) in UTF-16, never at a null address, valid until the next call: ASCII
    /// sixteen bytes at a time, anything else through the standard library's transcoder, which
    /// repairs invalid UTF-8 as `String(decoding:as:)` does (one unit per byte at most, so the
    /// buffer is large enough).
    private func utf16(_ text: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt16> {
        reserve(text.count)
        guard let base = text.baseAddress else { return UnsafeBufferPointer(start: buffer, count: 0) }
        let units = UnsafeMutableRawPointer(buffer)
        var offset = 0
        var ascii = true
        while offset + 16 <= text.count {
            let bytes = base.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
            if bytes & SIMD16(repeating: 0x80) != SIMD16.zero {
                ascii = false
                break
            }
            units.storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: bytes), toByteOffset: offset * 2, as: SIMD16<UInt16>.self)
            offset += 16
        }
        while ascii && offset < text.count {
            let byte = base.load(fromByteOffset: offset, as: UInt8.self)
            if byte >= 0x80 {
                ascii = false
                break
            }
            buffer[offset] = UInt16(byte)
            offset += 1
        }
        if ascii { return UnsafeBufferPointer(start: buffer, count: text.count) }
        var count = 0
        _ = transcode(text.assumingMemoryBound(to: UInt8.self).makeIterator(), from: UTF8.self, to: UTF16.self, stoppingOnError: false) { unit in
            buffer[count] = unit
            count += 1
        }
        return UnsafeBufferPointer(start: buffer, count: count)
    }

    private func reserve(_ count: Int) {
        guard count > capacity else { return }
        buffer.deallocate()
        while capacity < count { capacity *= 2 }
        buffer = .allocate(capacity: capacity)
    }
    #endif
}
