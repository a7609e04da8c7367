/// One BinXML token with its operands decoded (names resolved to ids, text as positions).
struct BinXMLToken {
    enum Kind: UInt8 {
        /// `a` name id.
        case openElement
        /// `a` name id.
        case attribute
        case closeStart
        case closeEmpty
        case endElement
        /// `a` chunk offset of UTF-16 text, `b` code units.
        case text
        /// `a` substitution index, `type` declared value type, `optional`.
        case substitution
        /// `a` character code.
        case charRef
        /// `a` name id.
        case entityRef
        /// `a` chunk offset, `b` code units.
        case cdata
        /// `a` name id.
        case piTarget
        /// `a` chunk offset, `b` code units.
        case piData
        /// `a` template definition offset, `b` chunk offset of the instance data.
        case templateInstance
        /// A value-text token of a type other than string: `type`, `a` chunk offset, `b` byte
        /// length (NullType values have length 0 and produce no content).
        case value
    }

    var kind: Kind
    var type: UInt8 = 0
    var optional = false
    var a: Int32 = 0
    var b: Int32 = 0
}

/// Turns a region of BinXML bytes into tokens, checking every bound; template instances are
/// kept as one token whose data is read when the instance is built.
///
/// Element starts carry a dependency id in template definitions only: a record's own BinXML
/// and BinXML substitution values (type 0x21) leave it out (MS-EVEN6 2.2.12 makes it
/// optional; libyal's description says when). Files where the expected layout gives a name
/// that cannot be right are read with the other layout.
struct BinXMLTokenizer {
    let context: ChunkContext
    var cursor: ByteCursor
    let end: Int
    /// Whether element starts are expected to carry a dependency id (template definitions).
    let dependencyIDs: Bool

    init(context: ChunkContext, range: Range<Int>, dependencyIDs: Bool) {
        self.context = context
        end = min(range.upperBound, context.bytes.count)
        cursor = ByteCursor(context.bytes, at: range.lowerBound, limit: end)
        self.dependencyIDs = dependencyIDs
    }

    private func failure(_ field: String, _ reason: String) -> EVTXError {
        .binXML(chunkOffset: cursor.position, field: field, reason: reason)
    }

    /// Reads a name reference; a name stored inline (its offset is the current position) is
    /// stepped over.
    private mutating func name(_ field: String) throws(EVTXError) -> Int32 {
        let offset = try cursor.u32(field)
        let id = try context.name(at: offset)
        if Int(offset) == cursor.position { try cursor.skip(try context.nameSize(at: cursor.position), field) }
        return id
    }

    /// Tokens up to the end-of-fragment token (or the end of the region once every element
    /// has closed).
    mutating func tokenize() throws(EVTXError) -> [BinXMLToken] {
        var tokens: [BinXMLToken] = []
        var depth = 0
        var sawContent = false
        while cursor.position < end {
            let raw = try cursor.u8("token")
            let hasMore = raw & 0x40 != 0
            switch raw & 0xBF {
            case 0x00:
                guard depth == 0 else { throw failure("token", "end of fragment inside an open element") }
                return tokens
            case 0x0F:
                try cursor.skip(3, "fragment header")
            case 0x01:
                try skipElementStartHeader()
                tokens.append(BinXMLToken(kind: .openElement, a: try name("element name")))
                if hasMore { _ = try cursor.u32("attribute list size") }
                depth += 1
                guard depth <= BinXMLTokenizer.maximumDepth else {
                    throw failure("element", "nesting deeper than \(BinXMLTokenizer.maximumDepth)")
                }
                sawContent = true
            case 0x06:
                guard depth > 0 else { throw failure("attribute", "attribute outside an element") }
                tokens.append(BinXMLToken(kind: .attribute, a: try name("attribute name")))
            case 0x02:
                tokens.append(BinXMLToken(kind: .closeStart))
            case 0x03, 0x04:
                guard depth > 0 else { throw failure("token", "element end without an open element") }
                tokens.append(BinXMLToken(kind: raw & 0xBF == 0x03 ? .closeEmpty : .endElement))
                depth -= 1
            case 0x05:
                tokens.append(try valueText())
            case 0x07, 0x0B:
                let count = Int(try cursor.u16("text length"))
                let start = cursor.position
                try cursor.skip(count * 2, raw & 0xBF == 0x07 ? "CDATA" : "PI data")
                tokens.append(BinXMLToken(kind: raw & 0xBF == 0x07 ? .cdata : .piData, a: Int32(start), b: Int32(count)))
            case 0x08:
                tokens.append(BinXMLToken(kind: .charRef, a: Int32(try cursor.u16("character reference"))))
            case 0x09:
                tokens.append(BinXMLToken(kind: .entityRef, a: try name("entity name")))
            case 0x0A:
                tokens.append(BinXMLToken(kind: .piTarget, a: try name("PI target")))
            case 0x0C:
                tokens.append(try templateInstance())
                sawContent = true
            case 0x0D, 0x0E:
                let index = try cursor.u16("substitution id")
                let type = try cursor.u8("substitution type")
                tokens.append(BinXMLToken(kind: .substitution, type: type, optional: raw == 0x0E, a: Int32(index)))
            default:
                throw failure("token", "unknown token 0x\(String(raw, radix: 16))")
            }
        }
        guard depth == 0 else { throw failure("element", "the data ends inside an open element") }
        if !sawContent { throw failure("fragment", "no element or template instance") }
        return tokens
    }

    /// Steps over an element start's dependency id (when the layout has one) and data size,
    /// leaving the cursor on the name offset. The expected layout wins unless its name
    /// offset is impossible and the other layout's is plausible.
    private mutating func skipElementStartHeader() throws(EVTXError) {
        let start = cursor.position
        // The element's data size is not needed: tokens say where it ends.
        let preferred = start + (dependencyIDs ? 6 : 4)
        let other = start + (dependencyIDs ? 4 : 6)
        if !plausibleName(at: preferred), plausibleName(at: other) {
            cursor.position = other
        } else {
            try cursor.skip(preferred - start, "element start")
        }
    }

    /// Whether the four bytes at `position` can be the offset of an element's name: an offset
    /// in the chunk's records area where a whole name (header, characters, final NUL) lies.
    private func plausibleName(at position: Int) -> Bool {
        guard position >= 0, position <= end - 4 else { return false }
        let bytes = context.bytes
        let offset = Int(bytes.u32(at: position))
        guard offset >= EVTXChunkHeader.recordsOffset, offset <= bytes.count - 10 else { return false }
        let terminator = offset + 8 + Int(bytes.u16(at: offset + 6)) * 2
        return terminator <= bytes.count - 2 && bytes.u16(at: terminator) == 0
    }

    /// A value-text token: a string as text, any other type as a typed value of the size its
    /// type gives (MS-EVEN6 writes strings here; other writers use every fixed-size type and
    /// NullType). Types whose size cannot be known without a length are refused.
    private mutating func valueText() throws(EVTXError) -> BinXMLToken {
        let type = try cursor.u8("value type")
        let start = cursor.position
        let length: Int
        switch type {
        case ValueType.string:
            let count = Int(try cursor.u16("text length"))
            let textStart = cursor.position
            try cursor.skip(count * 2, "text")
            return BinXMLToken(kind: .text, a: Int32(textStart), b: Int32(count))
        case ValueType.null:
            length = 0
        case ValueType.sid:
            try cursor.require(8, "SID value")
            length = 8 + Int(context.bytes[start + 1]) * 4
        default:
            guard let size = ValueType.itemSize(type) else {
                throw failure("value type", "a value-text token of type 0x\(String(type, radix: 16)) has no length")
            }
            length = size
        }
        try cursor.skip(length, "value")
        return BinXMLToken(kind: .value, type: type, a: Int32(start), b: Int32(length))
    }

    /// When the region is exactly a fragment header, one template instance and the end
    /// token, that instance (the cursor moves past it); otherwise nil and the cursor is unchanged.
    mutating func singleTemplateInstance() throws(EVTXError) -> BinXMLToken? {
        let start = cursor.position
        var position = start
        let bytes = context.bytes
        if position < end, bytes[position] == 0x0F { position += 4 }
        guard position < end, bytes[position] == 0x0C else { return nil }
        cursor.position = position + 1
        let token = try templateInstance()
        guard cursor.position >= end || bytes[cursor.position] == 0x00 else {
            cursor.position = start
            return nil
        }
        return token
    }

    /// A template instance: the definition (inline or elsewhere in the chunk) and where its
    /// instance data starts; the cursor moves past the instance data.
    private mutating func templateInstance() throws(EVTXError) -> BinXMLToken {
        _ = try cursor.u8("template instance version")
        _ = try cursor.u32("template id")
        let definition = try cursor.u32("template definition offset")
        if Int(definition) == cursor.position {
            // Defined inline: next offset (4), GUID (16), size (4), then the data.
            try cursor.skip(20, "template definition header")
            let size = Int(try cursor.u32("template definition size"))
            try cursor.skip(size, "template definition")
        }
        let dataStart = cursor.position
        let count = Int(try cursor.u32("substitution count"))
        guard count <= (end - cursor.position) / 4 else {
            throw failure("substitution count", "\(count) values do not fit in the record")
        }
        var total = 0
        for _ in 0..<count {
            total += Int(try cursor.u16("substitution size"))
            try cursor.skip(2, "substitution type")
        }
        try cursor.skip(total, "substitution values")
        return BinXMLToken(kind: .templateInstance, a: Int32(bitPattern: definition), b: Int32(dataStart))
    }

    static let maximumDepth = 64
}
