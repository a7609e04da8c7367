import EventLog

/// The text of one value outside an event's buffer: the slow path's list items and field
/// references, which are not worth a place in the context's storage.
extension EventContext {
    static func appendText(of value: FieldValue, to bytes: inout [UInt8]) {
        switch value {
        case .string(var text): text.withUTF8 { bytes.append(contentsOf: $0) }
        case .null: break
        default: bytes.append(contentsOf: value.text.utf8)
        }
    }

    static func withText(of value: FieldValue, folded: Bool, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        var bytes: [UInt8] = []
        appendText(of: value, to: &bytes)
        if folded { bytes = bytes.map(Pattern.fold) }
        return bytes.withUnsafeBytes(body)
    }
}
