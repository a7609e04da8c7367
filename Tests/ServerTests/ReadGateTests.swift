import Testing

import Server

@Suite("the read gate")
struct ReadGateTests {
    /// Fills the gate, queues 40 readers one after the other, lets them go; how many were
    /// inside at most, and the order they entered in.
    static func queue(width: Int) async throws -> (most: Int, order: [Int]) {
        let gate = ReadGate(width: width)
        let inside = Shared(0)
        let most = Shared(0)
        let order = Shared<[Int]>([])
        for _ in 0..<width { await gate.enter() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<40 {
                group.addTask {
                    await gate.enter()
                    let now = inside.withLock { count in
                        count += 1
                        return count
                    }
                    most.withLock { $0 = max($0, now) }
                    order.withLock { $0.append(number) }
                    try await Task.sleep(for: .milliseconds(1))
                    inside.withLock { $0 -= 1 }
                    gate.leave()
                }
                // Each reader is queued before the next comes.
                try await Task.sleep(for: .milliseconds(2))
            }
            for _ in 0..<width { gate.leave() }
            try await group.waitForAll()
        }
        return (most.withLock { $0 }, order.withLock { $0 })
    }

    @Test("one at a time: readers enter in the order they came")
    func entersInOrder() async throws {
        let (most, order) = try await Self.queue(width: 1)
        #expect(most == 1)
        #expect(order == Array(0..<40))
    }

    @Test("never more inside than its width, and every reader gets in")
    func boundedByWidth() async throws {
        let (most, order) = try await Self.queue(width: 3)
        #expect(most <= 3)
        #expect(order.sorted() == Array(0..<40))
    }
}
