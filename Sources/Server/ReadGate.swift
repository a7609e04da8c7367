import Hummingbird
import Synchronization

/// Lets at most `width` reads run at once and queues the others in arrival order. Under load
/// a page then waits its turn instead of sharing the cores with sixty others: latency stays
/// even (the slowest request waits for the queue ahead of it, not for luck), and the memory
/// of the pages being built is bounded by the width, whatever the number of connections.
public final class ReadGate: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state: Mutex<State>

    public init(width: Int) { state = Mutex(State(available: max(1, width))) }

    public func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state -> Bool in
                guard state.available > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    public func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiting.count else {
                state.available += 1
                return nil
            }
            let next = state.waiting[state.head]
            state.head += 1
            // Drop the consumed front once it is most of the array.
            if state.head > 1_024 && state.head * 2 > state.waiting.count {
                state.waiting.removeFirst(state.head)
                state.head = 0
            }
            return next
        }
        next?.resume()
    }
}

/// Runs GET requests through the read gate; writes have their own queue (`ImportGate`) and a
/// POST must not hold a slot while its body trickles in.
struct ReadGateMiddleware<Context: RequestContext>: RouterMiddleware {
    let gate: ReadGate

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get else { return try await next(request, context) }
        await gate.enter()
        defer { gate.leave() }
        return try await next(request, context)
    }
}
