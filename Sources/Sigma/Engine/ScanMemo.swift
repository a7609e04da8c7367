/// The needles recent field texts held, by scanner, on one thread.
///
/// A field's texts repeat from event to event: an image path, a user name, a logon type, a
/// status code. What a scanner finds in a text depends on the text alone, so a text met again
/// is answered with the needles found in it last time instead of being scanned again (a
/// scan of a path walks a large trie from nearly every byte; the answer costs a hash and a
/// comparison). Each scanner has a small table of slots, one text per slot (the last one
/// that hashed there), so memory stays bounded and the table follows the texts of the
/// moment: with `slotsPerScanner` slots it remembers far fewer texts than an evidence chunk
/// holds events.
///
/// The slots are kept for one `CompiledProgram` (by its serial): scanner numbers mean nothing
/// in another one.
final class ScanMemo {
    /// Slots per scanner (a power of two).
    static let slotsPerScanner = 64
    /// Longer texts are scanned, not remembered, so that a slot holds at most a few
    /// kilobytes. A script block of that size repeats too (scripts run again), and costs a
    /// scan of tens of microseconds against a hash and a comparison of one.
    static let maximumLength = 4096

    private struct Slot {
        var hash: UInt64 = 0
        /// The text's length; -1 for an empty slot.
        var length: Int32 = -1
        var needleCount: Int32 = 0
        /// The text's bytes, then the needles (rounded up to 4 bytes first).
        var storage: UnsafeMutableRawPointer?
        var capacity: Int32 = 0
    }

    private var slots: UnsafeMutablePointer<Slot> = .allocate(capacity: 1)
    private var scannerCapacity = 0
    private var program = -1

    deinit {
        clear()
        slots.deallocate()
    }

    /// Makes the memo the one of the program with serial `program` and `scanners` scanners,
    /// forgetting everything when the program changes.
    @inline(__always)
    func use(program: Int, scanners: Int) {
        if program != self.program || scanners > scannerCapacity { change(program: program, scanners: scanners) }
    }

    private func change(program: Int, scanners: Int) {
        if program != self.program {
            clear()
            self.program = program
        }
        guard scanners > scannerCapacity else { return }
        let grown = UnsafeMutablePointer<Slot>.allocate(capacity: scanners * ScanMemo.slotsPerScanner)
        grown.initialize(repeating: Slot(), count: scanners * ScanMemo.slotsPerScanner)
        grown.moveUpdate(from: slots, count: scannerCapacity * ScanMemo.slotsPerScanner)
        slots.deallocate()
        slots = grown
        scannerCapacity = scanners
    }

    private func clear() {
        for index in 0..<(scannerCapacity * ScanMemo.slotsPerScanner) {
            slots[index].storage?.deallocate()
            slots[index] = Slot()
        }
    }

    /// The needles `scanner` found in `text` when it last scanned it, if this memo holds it.
    @inline(__always)
    func needles(_ scanner: Int, _ text: UnsafeRawBufferPointer, hash: UInt64) -> UnsafeBufferPointer<Int32>? {
        let slot = slots + scanner * ScanMemo.slotsPerScanner + Int(hash & UInt64(ScanMemo.slotsPerScanner - 1))
        guard slot.pointee.hash == hash, Int(slot.pointee.length) == text.count, let storage = slot.pointee.storage else { return nil }
        guard text.count == 0 || memcmp(storage, text.baseAddress!, text.count) == 0 else { return nil }
        let needles = (storage + ScanMemo.needleOffset(text.count)).assumingMemoryBound(to: Int32.self)
        return UnsafeBufferPointer(start: needles, count: Int(slot.pointee.needleCount))
    }

    /// Remembers the needles `scanner` found in `text`, in place of the slot's last text.
    func remember(_ scanner: Int, _ text: UnsafeRawBufferPointer, hash: UInt64, needles: UnsafeBufferPointer<Int32>) {
        let slot = slots + scanner * ScanMemo.slotsPerScanner + Int(hash & UInt64(ScanMemo.slotsPerScanner - 1))
        let size = ScanMemo.needleOffset(text.count) + needles.count * 4
        if slot.pointee.storage == nil || Int(slot.pointee.capacity) < size {
            slot.pointee.storage?.deallocate()
            let capacity = max(size, 64)
            slot.pointee.storage = .allocate(byteCount: capacity, alignment: 4)
            slot.pointee.capacity = Int32(capacity)
        }
        let storage = slot.pointee.storage!
        if let base = text.baseAddress { storage.copyMemory(from: base, byteCount: text.count) }
        if let base = needles.baseAddress {
            (storage + ScanMemo.needleOffset(text.count)).copyMemory(from: base, byteCount: needles.count * 4)
        }
        slot.pointee.hash = hash
        slot.pointee.length = Int32(text.count)
        slot.pointee.needleCount = Int32(needles.count)
    }

    @inline(__always)
    private static func needleOffset(_ length: Int) -> Int { (length + 3) & ~3 }

    /// A hash of a text, eight bytes at a time.
    @inline(__always)
    static func hash(_ text: UnsafeRawBufferPointer) -> UInt64 {
        var hash = UInt64(text.count) &* 0x9E37_79B9_7F4A_7C15
        guard let base = text.baseAddress else { return hash }
        var offset = 0
        while offset + 8 <= text.count {
            hash = (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            offset += 8
        }
        var last: UInt64 = 0
        var shift: UInt64 = 0
        while offset < text.count {
            last |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ last) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 29)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
