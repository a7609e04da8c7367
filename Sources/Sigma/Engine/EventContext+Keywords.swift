import EventLog

/// The texts a keyword search looks through: every field's folded text, joined or part by part.
extension EventContext {
    /// Every field's folded text, separated by NUL bytes (list elements too): what keyword
    /// searches look through.
    func joinedFoldedText() -> UnsafeRawBufferPointer {
        if let joinedRange { return bytes(joinedRange) }
        let start = storage.count
        for index in 0..<fieldCount {
            if let folded = foldedRanges[index] {
                storage.appendCopy(of: folded)
                storage.append(0)
                continue
            }
            let fieldStart = storage.count
            if appendText(at: index) {
                // Folded below with the rest: the field's folded text is this part of it.
                foldedRanges[index] = fieldStart..<storage.count
                storage.append(0)
            } else if case .list(let items) = fieldValue(at: index) {
                for item in items {
                    append(item)
                    storage.append(0)
                }
            }
        }
        let range = start..<storage.count
        fold(range)
        joinedRange = range
        return bytes(range)
    }

    /// Calls `body` with the folded text of every field, and of every element of a list, that
    /// could hold a needle of `minimumLength` bytes: the parts of the joined text, for a
    /// scanner whose needles cannot span the NUL between them. Shorter texts are passed over
    /// without being folded, and integers too when `integers` is false (no needle is made of
    /// digits and minus signs alone). Field texts are kept for later tests.
    ///
    /// With `utf16`, a reader's field that is one UTF-16 string and has not been decoded yet is
    /// passed to `utf16Body` as its code units instead, for a search that reads them as they are.
    /// With `words`, a reader's field whose text is only numbers, times, GUIDs and the like
    /// (`EventFieldReader.textIsFormatted`) is passed over undecoded: no needle can be in it.
    func forEachFoldedPart(
        minimumLength: Int, integers: Bool, words: Bool = false, utf16: Bool = false,
        _ utf16Body: (UnsafeRawBufferPointer) -> Void = { _ in }, _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        func long(_ value: FieldValue) -> Bool {
            switch value {
            case .string(let text): return text.utf8.count >= minimumLength
            case .integer, .unsigned: return integers
            case .null: return false
            default: return true
            }
        }
        func list(_ items: [FieldValue]) {
            for item in items where long(item) {
                let start = storage.count
                append(item)
                fold(start..<storage.count)
                body(bytes(start..<storage.count))
            }
        }
        // An item of a reader's list, taken as `list` takes it from the built list, without
        // building the list (a string per item, all freed again).
        func item(_ index: Int, _ item: Int) {
            if utf16, let units = withReader({ $0.itemUTF16Text(index, item) }) {
                if units.count / 2 >= minimumLength { utf16Body(units) }
                return
            }
            let start = storage.count
            switch withReader({ $0.appendItemText(index, item, to: &storage) }) {
            case .appended:
                guard storage.count - start >= minimumLength else { return storage.truncate(to: start) }
            case .list:
                return
            case .value:
                let value = withReader { $0.itemValue(index, item) }
                if case .list(let items) = value { return list(items) }
                guard long(value) else { return }
                append(value)
            }
            fold(start..<storage.count)
            body(bytes(start..<storage.count))
        }
        // Most fields of most records are formatted: with the reader's kinds of fields, passing
        // them over costs a load, not two calls.
        let kinds = lazy ? withReader { $0.fieldTextKinds } : nil
        for index in 0..<fieldCount {
            let kind = kinds?[index]
            // No needle is in a formatted text, decoded or not.
            if words && kind == .formatted { continue }
            if let folded = foldedRanges[index] {
                if folded.count >= minimumLength { body(bytes(folded)) }
                continue
            }
            let start = storage.count
            if lazy {
                if utf16 && (kind == nil || kind == .utf16), let units = withReader({ $0.utf16Text(index) }) {
                    // Its needles are ASCII, a unit per byte: none is in fewer units.
                    if units.count / 2 >= minimumLength { utf16Body(units) }
                    continue
                }
                if words && kind == nil && withReader({ $0.textIsFormatted(index) }) { continue }
                switch withReader({ $0.appendText(index, to: &storage) }) {
                case .appended:
                    // Decoded to learn its length; a short text is kept, not scanned.
                    rawIsString[index] = true
                    fold(start..<storage.count)
                    foldedRanges[index] = start..<storage.count
                    if storage.count - start >= minimumLength { body(bytes(start..<storage.count)) }
                    continue
                case .list:
                    if let count = withReader({ $0.itemCount(index) }) {
                        for offset in 0..<count { item(index, offset) }
                    } else if case .list(let items) = withReader({ $0.fieldValue(index) }) {
                        list(items)
                    }
                    continue
                case .value:
                    let value = withReader { $0.fieldValue(index) }
                    guard long(value) else { continue }
                    rawIsString[index] = false
                    append(value)
                }
            } else {
                let value = loadedEvent.fields[index].value
                if case .list(let items) = value {
                    list(items)
                    continue
                }
                guard long(value) else { continue }
                append(value)
            }
            fold(start..<storage.count)
            foldedRanges[index] = start..<storage.count
            body(bytes(start..<storage.count))
        }
    }
}
