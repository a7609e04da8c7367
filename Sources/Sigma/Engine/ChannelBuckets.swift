/// Channel texts as events spell them → an engine's rule buckets for them, so that matching
/// neither lower-cases the channel nor makes a string of it per event: the last channel seen
/// is tried first, then a short list, then a dictionary. One per `EventContext`.
struct ChannelBuckets {
    private var texts: [[UInt8]] = []
    private var buckets: [RuleEngine.Bucket?] = []
    private var more: [[UInt8]: RuleEngine.Bucket?] = [:]
    private var last = -1
    /// The compiled program the buckets belong to, by serial number: an object's identity
    /// could be a later engine's, allocated where a freed one was.
    private var program = -1

    /// The bucket of a channel, computed by `lookup` the first time this spelling is seen.
    mutating func bucket(_ channel: UnsafeRawBufferPointer, engine: RuleEngine, _ lookup: (String) -> RuleEngine.Bucket?) -> RuleEngine.Bucket? {
        if program != engine.program.serial {
            self = ChannelBuckets()
            program = engine.program.serial
        }
        // By `memcmp`: comparing the bytes as sequences cost ten instructions a byte.
        func same(_ known: [UInt8]) -> Bool { known.count == channel.count && Pattern.equal(channel, 0, known) }
        if last >= 0 && same(texts[last]) { return buckets[last] }
        if let index = texts.firstIndex(where: same) {
            last = index
            return buckets[index]
        }
        let text = Array(channel)
        if let known = more[text] { return known }
        let bucket = lookup(String(decoding: channel, as: UTF8.self))
        if texts.count < 32 {
            texts.append(text)
            buckets.append(bucket)
            last = texts.count - 1
        } else if more.count < 4096 {
            more[text] = bucket
        }
        return bucket
    }
}
