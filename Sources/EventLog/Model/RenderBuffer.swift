/// A growable byte buffer for writers on hot paths (rendering millions of records).
///
/// `[UInt8]` checks for uniqueness and may retain on every append; this buffer owns its
/// memory directly and is not copyable, so appends are plain stores. Reuse one per thread:
/// `removeAll()` keeps the capacity.
public struct RenderBuffer: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var length: Int
    @usableFromInline var capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
        length = 0
    }

    deinit { base.deallocate() }

    /// Bytes written so far.
    public var count: Int { length }

    @usableFromInline
    mutating func grow(to minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: length)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if length == capacity { grow(to: length + 1) }
        base[length] = byte
        length += 1
    }

    @inlinable @inline(__always)
    public mutating func append(_ first: UInt8, _ second: UInt8) {
        if length + 2 > capacity { grow(to: length + 2) }
        base[length] = first
        base[length + 1] = second
        length += 2
    }

    @inlinable
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if length + bytes.count > capacity { grow(to: length + bytes.count) }
        (base + length).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        length += bytes.count
    }

    @inlinable
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends a string's UTF-8 bytes.
    @inlinable
    public mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inlinable
    public mutating func append(utf8 text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends `count` copies of a byte.
    @inlinable
    public mutating func append(repeating byte: UInt8, count: Int) {
        guard count > 0 else { return }
        if length + count > capacity { grow(to: length + count) }
        (base + length).initialize(repeating: byte, count: count)
        length += count
    }

    /// Makes room for `count` more bytes, so that `appendUnchecked` can follow.
    @inlinable
    public mutating func reserve(_ count: Int) {
        if length + count > capacity { grow(to: length + count) }
    }

    /// Appends a byte for which `reserve` made room.
    @inlinable @inline(__always)
    public mutating func appendUnchecked(_ byte: UInt8) {
        base[length] = byte
        length += 1
    }

    /// Appends eight bytes (the low byte first) for which `reserve` made room.
    @inlinable @inline(__always)
    public mutating func appendUnchecked(_ word: UInt64) {
        UnsafeMutableRawPointer(base + length).storeBytes(of: word.littleEndian, as: UInt64.self)
        length += 8
    }

    /// Overwrites a byte already written.
    @inlinable
    public mutating func set(_ index: Int, _ byte: UInt8) {
        precondition(index >= 0 && index < length, "RenderBuffer index out of range")
        base[index] = byte
    }

    public mutating func removeAll() { length = 0 }

    /// Where the bytes start, valid until the buffer next grows: for readers that keep ranges
    /// of it and work on them in place.
    @inlinable
    package var baseAddress: UnsafeMutablePointer<UInt8> { base }

    /// Appends a copy of bytes already written.
    public mutating func appendCopy(of range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= length, "RenderBuffer range out of bounds")
        reserve(range.count)
        (base + length).update(from: base + range.lowerBound, count: range.count)
        length += range.count
    }

    /// Drops bytes after `count` (to undo a partial write).
    public mutating func truncate(to count: Int) { length = min(length, max(0, count)) }

    /// The bytes, valid until the next mutation.
    /// A copy of the bytes written so far.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    package func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: base, count: length))
    }

    /// A copy of the bytes, or of a range of them.
    public func array(_ range: Range<Int>? = nil) -> [UInt8] {
        let range = range ?? 0..<length
        return Array(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }
}

extension UnsafeRawBufferPointer {
    /// Whether every byte is below 0x80, tested eight at a time.
    public var isASCII: Bool {
        var position = 0
        var high: UInt64 = 0
        while position + 8 <= count {
            high |= loadUnaligned(fromByteOffset: position, as: UInt64.self)
            position += 8
        }
        while position < count {
            high |= UInt64(self[position])
            position += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}
