import EVTX
import Foundation
import TestSupport
import Testing

@testable import Hunt

/// The EVTX reader's `idle` hook: the calling thread's spare work (writing findings that
/// waited for a digest) runs while the workers are busy, and stops when it says it is done.
@Suite("Stream reader idle work", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct StreamReaderIdleTests {
    /// Chunk indexes delivered, and how many times `idle` ran, with `idle` answering `more`.
    static func read(more: Bool) throws -> (delivered: [Int], idleCalls: Int, batches: Int) {
        let path = try SharedData.file("evtx/deepbluecli/many-events-application.evtx").path
        var delivered: [Int] = []
        var idleCalls = 0
        try EVTXStreamReader(options: .init(threads: 1)).read([try FileByteStream(path: path)]) { input in
            let summary = EVTXChunk.read(input.bytes, index: input.index, fileOffset: input.fileOffset, scratch: input.scratch) { _ in }
            // Long enough that the calling thread is through its own work before the worker.
            usleep(500)
            return (input.index, summary)
        } deliver: { _, index, _ in
            delivered.append(index)
        } finish: { _, _ in
        } idle: {
            idleCalls += 1
            // A step of work, as writing a few findings is.
            if more { usleep(50) }
            return more
        }
        // One thread reads batches of 16 chunks.
        return (delivered, idleCalls, (delivered.count + 15) / 16)
    }

    @Test("idle runs while the workers are busy, as long as it has work, without changing what is delivered")
    func idleWhileBusy() throws {
        let (delivered, idleCalls, batches) = try StreamReaderIdleTests.read(more: true)
        #expect(batches >= 3)
        #expect(delivered == Array(0..<delivered.count))
        // 16 chunks of at least 0.5 ms against steps of 0.05 ms: many steps per batch.
        #expect(idleCalls > 4 * batches)
    }

    @Test("idle that has nothing to do is asked once per batch")
    func idleDone() throws {
        let (delivered, idleCalls, batches) = try StreamReaderIdleTests.read(more: false)
        #expect(delivered == Array(0..<delivered.count))
        #expect(idleCalls >= 1)
        #expect(idleCalls <= batches)
    }
}
