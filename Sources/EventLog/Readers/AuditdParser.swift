/// Linux audit logs (`/var/log/audit/audit.log`): one record per line,
/// `type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 exe="/usr/sbin/arp" ...`.
///
/// Every `key=value` pair becomes a field (quotes removed); the `msg=audit(TIME:SERIAL)` stamp
/// gives the event time and the field `serial`, which the lines of one audit event share. A
/// quoted `msg='...'` holding more pairs (user and PAM records) adds those pairs too, without
/// replacing the outer ones. Hex-encoded values (`proctitle`) stay as written, as Sigma's
/// auditd rules expect.
public struct AuditdParser: TextEventParser {
    private let mappings: FieldMappings
    private let form: FieldMappings.Form

    public init(mappings: FieldMappings = .standard) {
        self.mappings = mappings
        form = mappings.form("auditd")
    }

    public var syntax: TextRecordFramer.Syntax { .lines }
    package func isHeader(_ record: UnsafeRawBufferPointer, first: Bool) -> Bool { false }
    package mutating func readHeader(_ record: UnsafeRawBufferPointer, line: UInt64) throws(TextRecordError) {}

    package func event(_ record: UnsafeRawBufferPointer, line: UInt64, names: FieldNameCache) throws(TextRecordError) -> Event {
        var event = Event(origin: EventOrigin(format: "auditd", position: line))
        var pairs = PairScanner(bytes: record)
        var sawType = false
        while let (key, value, quote) = pairs.next() {
            if key == "msg", let stamp = AuditdParser.stamp(value) {
                event.time = stamp.time
                event.set("serial", .string(stamp.serial))
                continue
            }
            if key == "type" { sawType = true }
            guard let name = names.resolve(key, in: form).name else { continue }
            if key == "msg" && quote == UInt8(ascii: "'") {
                var inner = PairScanner(bytes: Array(value.utf8))
                while let (innerKey, innerValue, _) = inner.next() {
                    if let name = names.resolve(innerKey, in: form).name { event.add(name, .string(innerValue)) }
                }
                continue
            }
            event.set(name, .string(value))
        }
        guard sawType else { throw TextRecordError(line: line, reason: "not an audit record (no type=)") }
        mappings.applyAliases(to: &event)
        return event
    }

    /// `audit(1604994496.155:92733):` → time and serial.
    static func stamp(_ value: String) -> (time: EventTime, serial: String)? {
        guard value.hasPrefix("audit("), let colon = value.lastIndex(of: ":"), let close = value.firstIndex(of: ")"),
            colon < close
        else { return nil }
        let seconds = value[value.index(value.startIndex, offsetBy: 6)..<colon]
        guard let time = EventTime(parsing: String(seconds)) else { return nil }
        return (time, String(value[value.index(after: colon)..<close]))
    }
}

/// Splits `key=value key="quoted value" key='quoted'` into pairs.
private struct PairScanner {
    let bytes: [UInt8]
    var position = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = Array(bytes) }
    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> (key: String, value: String, quote: UInt8?)? {
        while position < bytes.count {
            while position < bytes.count && (bytes[position] == 0x20 || bytes[position] == 0x09) { position += 1 }
            let keyStart = position
            while position < bytes.count && bytes[position] != UInt8(ascii: "=") && bytes[position] != 0x20 { position += 1 }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "="), position > keyStart else {
                // A word without `=` (or a stray `=`): skip it.
                if position == keyStart { position += 1 }
                continue
            }
            let key = String(decoding: bytes[keyStart..<position], as: UTF8.self)
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") {
                let quote = bytes[position]
                position += 1
                let start = position
                while position < bytes.count && bytes[position] != quote { position += 1 }
                let value = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
                return (key, value, quote)
            }
            let start = position
            // `msg=audit(...)` ends with a colon before the next pair.
            while position < bytes.count && bytes[position] != 0x20 { position += 1 }
            var end = position
            if end > start && bytes[end - 1] == UInt8(ascii: ":") && key == "msg" { end -= 1 }
            return (key, String(decoding: bytes[start..<end], as: UTF8.self), nil)
        }
        return nil
    }
}
