extension CSVParser {
    /// One value as a CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
    /// break, with quotes doubled. It works on the UTF-8 bytes, so a CRLF inside a value is
    /// seen (as one `Character` it matched neither "\r" nor "\n") and no Foundation string
    /// replacement runs per field.
    public static func field(_ text: String) -> String {
        let utf8 = text.utf8
        let quote = UInt8(ascii: "\"")
        guard utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == quote || $0 == 0x0A || $0 == 0x0D }) else { return text }
        var bytes: [UInt8] = [quote]
        bytes.reserveCapacity(utf8.count + 8)
        for byte in utf8 {
            bytes.append(byte)
            if byte == quote { bytes.append(quote) }
        }
        bytes.append(quote)
        return String(decoding: bytes, as: UTF8.self)
    }
}
