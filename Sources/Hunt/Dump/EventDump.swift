import EventLog

/// Renders the events of text evidence (JSON lines, Zeek, CSV, audit logs) as JSON lines of
/// `Event.jsonValue`, in file and line order: what Vigil reads from each record, under the
/// field names Sigma rules see.
public struct EventDump {
    public var options: TextStreamReader.Options

    public init(options: TextStreamReader.Options) { self.options = options }

    /// Dumps the sources; `write` receives text, `finished` each file's summary after its
    /// events.
    public func run(
        _ sources: [TextStreamReader.Source], write: ([UInt8]) throws -> Void, finished: (TextFileSummary) throws -> Void
    ) throws {
        try TextStreamReader(options: options).read(sources) { batch, _ in
            var text: [UInt8] = []
            let outcome = batch.read { event, _ in
                event.appendJSON(to: &text)
                text.append(0x0A)
            }
            return (text, outcome.records, outcome.skipped)
        } deliver: { _, text in
            try write(text)
        } finish: { _, summary in
            try finished(summary)
        }
    }
}
