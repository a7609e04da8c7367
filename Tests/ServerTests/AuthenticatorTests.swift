import IntelStore
import Testing
import VigilKit

@Suite("authentication")
struct AuthenticatorTests {
    @Test("requests that come together with the same password wait for one bcrypt check, not one each")
    func oneCheckForConcurrentRequests() async throws {
        let store = MemoryIntelStore()
        // A real cost, so that the first check is still running when the others arrive.
        let hasher = PasswordHasher(cost: 10)
        _ = try await UserAdministration(store: store, hasher: hasher, actor: "test")
            .add("amy", password: "password-of-amy", grant: .init(clearance: .green, organisation: nil, read: [], write: []))
        // Nothing is remembered: every request needs a check.
        let authenticator = Authenticator(store: store, audit: AuditTrail(store: store), hasher: hasher, verifiedFor: 0)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    if case .authenticated = try await authenticator.authenticate(.password(user: "amy", password: "password-of-amy"), address: "192.0.2.1") {
                        return true
                    }
                    return false
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: true, count: 16))
        #expect(authenticator.passwordChecks.load(ordering: .relaxed) <= 2)
    }
}
