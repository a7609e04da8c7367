import Foundation
import Testing

/// The PostgreSQL server tests may use: `VIGIL_POSTGRES_URL` (`.ci/run` starts a throwaway
/// one and sets it). Without it, PostgreSQL cases are left out of the store suites, unless
/// `VIGIL_REQUIRE_POSTGRES=1`, which turns its absence into a failure.
public enum TestPostgres {
    public static var url: String? {
        let value = ProcessInfo.processInfo.environment["VIGIL_POSTGRES_URL"] ?? ""
        return value.isEmpty ? nil : value
    }

    public static var isRequired: Bool { ProcessInfo.processInfo.environment["VIGIL_REQUIRE_POSTGRES"] == "1" }

    /// Whether store suites include PostgreSQL: when a server is given, or one is required
    /// (the cases then fail for want of it).
    public static var isIncluded: Bool { url != nil || isRequired }

    /// A URL of the test server with a schema of its own: each store a test makes starts empty.
    public static func freshURL() throws -> String {
        guard let url else {
            throw TestPostgresMissing()
        }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    struct TestPostgresMissing: Error, CustomStringConvertible {
        var description: String { "VIGIL_REQUIRE_POSTGRES=1 but VIGIL_POSTGRES_URL is not set" }
    }
}
