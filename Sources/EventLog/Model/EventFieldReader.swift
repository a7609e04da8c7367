/// An event read field by field, on demand: the names are known at once, a value is decoded
/// only when asked for, and the whole `Event` is built only if someone needs it.
///
/// Matching reads EVTX records this way. Most records raise no finding, and for them building
/// an `Event` (a string per value, a field list, all freed again) cost more than the matching
/// that reads their texts. A reader is valid only while its source is on the record (inside
/// the chunk reader's visit); it answers exactly as the `Event` that `event()` returns would.
///
/// A class to subclass rather than a protocol: the matcher calls it for every field through an
/// unretained reference, which a protocol existential does not allow. This base reads an
/// event of no fields.
open class EventFieldReader {
    public init() {}

    /// The field names, aliases included, in the order `event().fields` lists them; valid
    /// while the reader is on the record.
    open var fieldNames: UnsafeBufferPointer<FieldName> { UnsafeBufferPointer(start: nil, count: 0) }

    /// Appends the field's text (as `FieldValue.text` reads it) as UTF-8 when the field is a
    /// string; appends nothing for a list or any other value, which `fieldValue` then gives.
    open func appendText(_ index: Int, to buffer: inout RenderBuffer) -> EventFieldText { .value }

    open func fieldValue(_ index: Int) -> FieldValue { .null }

    /// For a list-valued field (`appendText` gave `list`), how many items its list has when
    /// the reader can read them one by one (`appendItemText`, `itemUTF16Text`, `itemValue`);
    /// nil otherwise (the list is then `fieldValue`'s). Lets a search of every text go through
    /// a list without building it.
    open func itemCount(_ index: Int) -> Int? { nil }

    /// `appendText` for item `item` of a list-valued field: its text when it is a string.
    open func appendItemText(_ index: Int, _ item: Int, to buffer: inout RenderBuffer) -> EventFieldText { .value }

    /// `utf16Text` for item `item` of a list-valued field.
    open func itemUTF16Text(_ index: Int, _ item: Int) -> UnsafeRawBufferPointer? { nil }

    /// Item `item` of a list-valued field, as `fieldValue` lists it.
    open func itemValue(_ index: Int, _ item: Int) -> FieldValue { .null }

    /// The field's text as the UTF-16LE code units it is stored in, when the field is exactly
    /// one such string (its text is those units decoded, up to the first NUL unit); nil
    /// otherwise. Lets a search for ASCII text skip decoding fields it does not find anything in.
    open func utf16Text(_ index: Int) -> UnsafeRawBufferPointer? { nil }

    /// Whether the field's text (`FieldValue.text`) is known to be only the text of numbers,
    /// hexadecimal values, GUIDs, SIDs, times, booleans or binary data (no string value, no
    /// constant text, not a list), so that it holds, folded to lower case, only
    /// `formattedCharacters`. False when not known. Lets a search for words skip fields that
    /// cannot hold them without decoding them.
    open func textIsFormatted(_ index: Int) -> Bool { false }

    /// What a search of every field's text needs to know of each field before reading it, when
    /// the reader knows it for the whole record at once: per field (in `fieldNames`' order),
    /// whether `textIsFormatted` holds (`formatted`), `utf16Text` gives the text (`utf16`),
    /// or neither. Nil: ask field by field.
    open var fieldTextKinds: UnsafePointer<FieldTextKind>? { nil }

    /// The characters (as ASCII bytes, lower case) of the text `textIsFormatted` speaks of:
    /// digits and `abcdef` (decimal, hexadecimal, GUIDs, binary), `x` (`0x1f`), `-+.:`, `t`
    /// and `z` (times, numbers), `s` (SIDs), the letters of `true`, `false`, `inf` and `nan`,
    /// and the comma between the items of an array.
    public static let formattedCharacters: Set<UInt8> = Set("0123456789abcdef-+.:,xtzsinrul".utf8)

    /// When the event happened (as `event().time`).
    open var time: EventTime? { nil }

    /// The record's position (as `event().origin.position`).
    open var position: UInt64 { 0 }

    /// The reader's format (as `event().origin.format`).
    open var format: String { "" }

    /// The record as an `Event`.
    open func event() -> Event { Event() }
}

/// What `EventFieldReader.fieldTextKinds` says of a field.
public enum FieldTextKind: UInt8, Sendable {
    case other
    /// `textIsFormatted` holds.
    case formatted
    /// `utf16Text` gives the field's text.
    case utf16
}

/// What `EventFieldReader.appendText` found in a field.
public enum EventFieldText {
    /// A string, whose text was appended.
    case appended
    /// A list: nothing appended.
    case list
    /// Another value (a number, a boolean, null): nothing appended.
    case value
}
