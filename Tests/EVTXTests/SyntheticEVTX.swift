import Foundation

/// Writes small EVTX files by hand for tests: BinXML tokens, template instances, records,
/// chunks and the file header with correct checksums, so that every value type and every
/// kind of damage can be produced on purpose.
struct BinXMLWriter {
    var bytes: [UInt8] = []
    /// Where `bytes` will start inside the chunk (names and templates are chunk offsets).
    let base: Int

    init(base: Int) { self.base = base }

    var position: Int { base + bytes.count }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bytes.append(contentsOf: withUnsafeBytes(of: value.littleEndian, Array.init)) }
    mutating func u32(_ value: UInt32) { bytes.append(contentsOf: withUnsafeBytes(of: value.littleEndian, Array.init)) }
    mutating func u64(_ value: UInt64) { bytes.append(contentsOf: withUnsafeBytes(of: value.littleEndian, Array.init)) }
    mutating func utf16(_ text: String) { for unit in text.utf16 { u16(unit) } }

    mutating func fragmentHeader() { bytes.append(contentsOf: [0x0F, 0x01, 0x01, 0x00]) }

    /// A name stored inline (its offset is where it is written).
    mutating func inlineName(_ name: String) {
        u32(UInt32(position + 4))
        u32(0)
        u16(0)
        u16(UInt16(name.utf16.count))
        utf16(name)
        u16(0)
    }

    /// An element start; `dependencyID` false writes it as a record's own BinXML and BinXML
    /// values do, without the dependency id templates carry.
    mutating func openElement(_ name: String, attributes: Bool = false, dependencyID: Bool = true) {
        u8(attributes ? 0x41 : 0x01)
        if dependencyID { u16(0xFFFF) }
        u32(0)
        inlineName(name)
        if attributes { u32(0) }
    }

    mutating func attribute(_ name: String, more: Bool = false) {
        u8(more ? 0x46 : 0x06)
        inlineName(name)
    }

    mutating func closeStart() { u8(0x02) }
    mutating func closeEmpty() { u8(0x03) }
    mutating func endElement() { u8(0x04) }
    mutating func endOfFragment() { u8(0x00) }

    mutating func text(_ value: String) {
        u8(0x05)
        u8(0x01)
        u16(UInt16(value.utf16.count))
        utf16(value)
    }

    /// A value-text token of any type: a string is length-prefixed, other types are their bytes.
    mutating func valueText(type: UInt8, bytes value: [UInt8]) {
        u8(0x05)
        u8(type)
        if type == 0x01 { u16(UInt16(value.count / 2)) }
        bytes.append(contentsOf: value)
    }

    mutating func substitution(_ index: UInt16, type: UInt8, optional: Bool = false) {
        u8(optional ? 0x0E : 0x0D)
        u16(index)
        u8(type)
    }

    /// A template instance whose definition is written inline; `definition` writes the
    /// definition's BinXML (fragment header, element, EOF) with a writer placed where it goes.
    mutating func templateInstance(guid: UInt8, values: [(type: UInt8, bytes: [UInt8])], definition: (inout BinXMLWriter) -> Void) {
        u8(0x0C)
        u8(0x01)
        u32(UInt32(guid))
        let definitionOffset = position + 4
        u32(UInt32(definitionOffset))
        u32(0)
        bytes.append(contentsOf: [UInt8](repeating: guid, count: 16))
        var body = BinXMLWriter(base: position + 4)
        definition(&body)
        u32(UInt32(body.bytes.count))
        bytes.append(contentsOf: body.bytes)
        instanceData(values)
    }

    /// A template instance reusing a definition written earlier in the chunk.
    mutating func templateInstance(definitionAt offset: Int, values: [(type: UInt8, bytes: [UInt8])]) {
        u8(0x0C)
        u8(0x01)
        u32(0)
        u32(UInt32(offset))
        instanceData(values)
    }

    mutating func instanceData(_ values: [(type: UInt8, bytes: [UInt8])]) {
        u32(UInt32(values.count))
        for value in values {
            u16(UInt16(value.bytes.count))
            u8(value.type)
            u8(0)
        }
        for value in values { bytes.append(contentsOf: value.bytes) }
    }
}

enum SyntheticEVTX {
    /// A record: signature, size, identifier, written time, BinXML, size again (8-byte aligned).
    static func record(id: UInt64, at offset: Int, binXML: (inout BinXMLWriter) -> Void) -> [UInt8] {
        var writer = BinXMLWriter(base: offset + 24)
        binXML(&writer)
        var size = 24 + writer.bytes.count + 4
        size += (8 - size % 8) % 8
        var record = BinXMLWriter(base: offset)
        record.u32(0x0000_2A2A)
        record.u32(UInt32(size))
        record.u64(id)
        record.u64(132_000_000_000_000_000 + id)
        record.bytes.append(contentsOf: writer.bytes)
        record.bytes.append(contentsOf: [UInt8](repeating: 0, count: size - 28 - writer.bytes.count))
        record.u32(UInt32(size))
        return record.bytes
    }

    /// A chunk holding records made by `records` (called with each record's chunk offset).
    static func chunk(firstID: UInt64, records: [(Int) -> [UInt8]]) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var offset = 512
        var last = 512
        for make in records {
            let record = make(offset)
            chunk.replaceSubrange(offset..<(offset + record.count), with: record)
            last = offset
            offset += record.count
        }
        put(Array("ElfChnk\0".utf8), at: 0, in: &chunk)
        put64(firstID, at: 8, in: &chunk)
        put64(firstID + UInt64(records.count) - 1, at: 16, in: &chunk)
        put64(firstID, at: 24, in: &chunk)
        put64(firstID + UInt64(records.count) - 1, at: 32, in: &chunk)
        put32(128, at: 40, in: &chunk)
        put32(UInt32(last), at: 44, in: &chunk)
        put32(UInt32(offset), at: 48, in: &chunk)
        put32(crc32(Array(chunk[512..<offset])), at: 52, in: &chunk)
        put32(crc32(Array(chunk[0..<120]) + Array(chunk[128..<512])), at: 124, in: &chunk)
        return chunk
    }

    /// A file: header, then the chunks.
    static func file(chunks: [[UInt8]], headerChunkCount: Int? = nil) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 4096)
        put(Array("ElfFile\0".utf8), at: 0, in: &header)
        put64(UInt64(max(0, chunks.count - 1)), at: 16, in: &header)
        put32(128, at: 32, in: &header)
        header[36] = 1
        header[38] = 3
        header[40] = 0x00
        header[41] = 0x10
        let count = UInt16(headerChunkCount ?? chunks.count)
        header[42] = UInt8(count & 0xFF)
        header[43] = UInt8(count >> 8)
        put32(crc32(Array(header[0..<120])), at: 124, in: &header)
        return header + chunks.flatMap { $0 }
    }

    static func put(_ bytes: [UInt8], at offset: Int, in buffer: inout [UInt8]) {
        buffer.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    static func put32(_ value: UInt32, at offset: Int, in buffer: inout [UInt8]) {
        put(withUnsafeBytes(of: value.littleEndian, Array.init), at: offset, in: &buffer)
    }

    static func put64(_ value: UInt64, at offset: Int, in buffer: inout [UInt8]) {
        put(withUnsafeBytes(of: value.littleEndian, Array.init), at: offset, in: &buffer)
    }

    /// RFC 1952 CRC-32, written plainly (independent of the implementation under test).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    static func utf16z(_ text: String) -> [UInt8] { text.utf16.flatMap { le($0) } + [0, 0] }
}
