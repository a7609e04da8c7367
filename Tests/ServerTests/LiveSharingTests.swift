#if canImport(Glibc)
import Glibc
#endif
import Foundation
import IntelStore
import IntelStoreSQLite
import STIX
import Synchronization
import TAXII
import TestSupport
import Testing
import VigilKit

/// `vigil serve` as a process on a loopback port, against real clients: the OASIS client
/// (taxii2-client), `vigil taxii`, medallion, raw sockets that misbehave.
@Suite("vigil serve and vigil taxii, live", .serialized)
struct LiveSharingTests {
    static let password = "live-test-password"

    /// A store with a user, and the configuration the OASIS smoke test needs: a read-only
    /// collection with objects, a read-write one and a write-only one.
    static func prepare(
        _ folder: TemporaryFolder, importing bundle: String?, read: [String], write: [String], on kind: StoreKind = .sqlite
    ) async throws -> String {
        let database = kind == .postgres ? try TestPostgres.freshURL() : folder.path("served.sqlite")
        if let bundle {
            let imported = try await vigil(["intel", "import", "--db", database, try SharedData.file(bundle).path])
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        let rights = read.flatMap { ["--read", $0] } + write.flatMap { ["--write", $0] }
        let added = try await vigil(
            ["users", "add", "partner", "--db", database, "--clearance", "amber"] + rights, environment: ["VIGIL_PASSWORD": password])
        #expect(added.status == 0, "\(added.stderr)")
        return database
    }

    static let configuration = """
        {"title": "Vigil under test", "api_roots": [{"path": "api", "title": "Partners", "collections": [
            {"alias": "seed", "title": "Seed", "content": "everything", "everyone_reads": true},
            {"alias": "inbox", "title": "Inbox", "content": "members"},
            {"alias": "writeonly", "title": "Write only", "content": "members"}
        ]}]}
        """

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static var python: String { Peers.venv.appendingPathComponent("bin/python").path }

    /// The backends `vigil serve` runs on: a SQLite file, and PostgreSQL when a test server is given.
    static let databases = StoreKind.allCases.filter { $0 != .memory }

    @Test(
        "the OASIS client (taxii2-client) passes every step of taxii_smoke.py", .enabled(if: Peers.isUsable && SharedData.isUsable, Peers.skipReason),
        arguments: databases)
    func oasisClient(_ kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let database = try await Self.prepare(
            folder, importing: "attack/ics-attack-15.1.stix21.json", read: ["inbox"], write: ["inbox", "writeonly"], on: kind)
        try Self.write(Self.configuration, to: folder.path("config.json"))
        let server = try await ServedVigil(database: database, ["--config", folder.path("config.json")])
        defer { server.stop() }
        let smoke = try #require(Peers.tools?.appendingPathComponent("taxii_smoke.py").path)
        let result = try await runProgram(Self.python, [smoke, server.discovery, "partner", Self.password, "--per-page", "100"])
        #expect(result.stdout.contains("15 passed, 0 failed, 0 skipped"), "\(result.stdout)\n\(result.stderr)")
    }

    @Test(
        "ATT&CK Enterprise 15.1 served, pulled and compared object by object; a second pull resumes; a push lands whole",
        .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func vigilToVigil() async throws {
        let folder = try TemporaryFolder()
        let served = try await Self.prepare(folder, importing: "attack/enterprise-attack-15.1.stix20.json", read: ["*"], write: ["inbox"])
        try Self.write(Self.configuration, to: folder.path("config.json"))
        let server = try await ServedVigil(database: served, ["--config", folder.path("config.json")])
        defer { server.stop() }
        let pulled = folder.path("pulled.sqlite")
        let credentials = ["VIGIL_TAXII_USER": "partner", "VIGIL_TAXII_PASSWORD": Self.password]
        let pull = try await vigil(["taxii", "pull", "--db", pulled, server.base + "/api/seed"], environment: credentials)
        #expect(pull.status == 0, "\(pull.stderr)")

        let source = try SQLiteIntelStore(path: served)
        let copy = try SQLiteIntelStore(path: pulled)
        let original = try await source.objects(types: [], includeRetired: true)
        let received = try await copy.objects(types: [], includeRetired: true)
        #expect(original.count > 19_000)
        #expect(received.count == original.count)
        let byID = Dictionary(uniqueKeysWithValues: received.map { ($0.id, $0) })
        var different = 0
        for stored in original where JSONCanonical.text(stored.object.json) != byID[stored.id].map({ JSONCanonical.text($0.object.json) }) {
            different += 1
        }
        #expect(different == 0)

        let again = try await vigil(["taxii", "pull", "--db", pulled, server.base + "/api/seed"], environment: credentials)
        #expect(again.stderr.contains("pulled 0 object(s)"), "\(again.stderr)")

        // Push the intrusion sets back into the inbox; the server holds exactly them there.
        let push = try await vigil(
            ["taxii", "push", "--db", pulled, "--type", "intrusion-set", server.base + "/api/collections/inbox/"], environment: credentials)
        #expect(push.status == 0, "\(push.stderr)")
        // The groups go with the marking definitions and identities they name.
        let groups = Set(received.filter { $0.type == "intrusion-set" }.map(\.id))
        var inbox = ObjectQuery(collection: "inbox", limit: 1_000, clearance: .everything)
        var landed: [String] = []
        while true {
            let page = try await source.page(inbox)
            landed += page.items.map(\.id)
            guard let next = page.next else { break }
            inbox.after = next
        }
        #expect(Set(landed).isSuperset(of: groups) && landed.count == Set(landed).count)
        let supporting = try await source.latest(ids: Array(Set(landed).subtracting(groups)))
        #expect(Set(supporting.map(\.type)) == ["identity", "marking-definition"])
        #expect(push.stderr.contains("pushed \(landed.count) object(s)") && push.stderr.contains("\(landed.count) accepted, 0 refused"), "\(push.stderr)")
    }

    @Test("pull from and push to medallion, the OASIS reference server, compared object by object", .enabled(if: Peers.isUsable, Peers.skipReason))
    func medallion() async throws {
        let folder = try TemporaryFolder()
        let port = try freeLoopbackPort()
        let setup = try #require(Peers.tools?.appendingPathComponent("medallion_setup.py").path)
        let configured = try await runProgram(Self.python, [setup, "--dir", folder.path("medallion"), "--port", String(port)])
        #expect(configured.status == 0, "\(configured.stderr)")
        let medallion = Process()
        medallion.executableURL = Peers.venv.appendingPathComponent("bin/medallion")
        medallion.arguments = ["--host", "127.0.0.1", "--port", String(port), "--log-level", "WARN", folder.path("medallion/config.json")]
        medallion.standardOutput = FileHandle.nullDevice
        medallion.standardError = FileHandle.nullDevice
        try medallion.run()
        defer { stopProcess(medallion, grace: 1) }
        let base = "http://127.0.0.1:\(port)"
        let credentials = ["VIGIL_TAXII_USER": "admin", "VIGIL_TAXII_PASSWORD": "Password0"]
        var discovered = try await vigil(["taxii", "discover", base + "/taxii2/"], environment: credentials)
        for _ in 0..<100 where discovered.status != 0 {
            try await Task.sleep(for: .milliseconds(100))
            discovered = try await vigil(["taxii", "discover", base + "/taxii2/"], environment: credentials)
        }
        #expect(discovered.stdout.contains("API root \(base)/api1/ (default)"), "\(discovered.stdout)\(discovered.stderr)")
        let listed = try await vigil(["taxii", "collections", base + "/api1/"], environment: credentials)
        #expect(listed.stdout.contains("91a7b528-80eb-42ed-a74d-c6fbd5a26116"), "\(listed.stdout)")

        let database = folder.path("pulled.sqlite")
        let pull = try await vigil(["taxii", "pull", "--db", database, base + "/api1/seed"], environment: credentials)
        #expect(pull.status == 0, "\(pull.stderr)")
        let data = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: folder.path("medallion/data.json")))))
        let seeded = data.objectValue?["api1"]?.objectValue?["collections"]?.arrayValue?.first?.objectValue?["objects"]?.arrayValue ?? []
        #expect(seeded.count == 25)
        let store = try SQLiteIntelStore(path: database)
        for object in seeded {
            let id = try #require(object.objectValue?["id"]?.stringValue)
            let stored = try await store.latest(id: id)
            #expect(stored.map { JSONCanonical.text($0.object.json) } == JSONCanonical.text(object), "\(id)")
        }

        // Push them to medallion's inbox and read them back into another store.
        let push = try await vigil(["taxii", "push", "--db", database, base + "/api1/inbox", "--max-tlp", "amber"], environment: credentials)
        #expect(push.stderr.contains("pushed 25 object(s)") && push.stderr.contains("25 accepted, 0 refused"), "\(push.stderr)")
        let back = folder.path("back.sqlite")
        let pullBack = try await vigil(["taxii", "pull", "--db", back, base + "/api1/collections/472c94ae-3113-4e3e-a4dd-a9f4ac7471d4/"], environment: credentials)
        #expect(pullBack.status == 0, "\(pullBack.stderr)")
        let returned = try await SQLiteIntelStore(path: back).objects(types: [], includeRetired: true)
        let sent = try await store.objects(types: [], includeRetired: true)
        #expect(returned.map { JSONCanonical.text($0.object.json) }.sorted() == sent.map { JSONCanonical.text($0.object.json) }.sorted())
    }

    @Test("TLS: served with the configured certificate, trusted with --ca-file, refused without; plain HTTP off loopback refused")
    func tls() async throws {
        let folder = try TemporaryFolder()
        let made = try await runProgram("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", folder.path("server.key"), "-out", folder.path("server.pem"),
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let database = try await Self.prepare(folder, importing: nil, read: ["*"], write: [])
        try Self.write(
            #"{"tls": {"certificate": "server.pem", "key": "server.key"}, "api_roots": [{"path": "api", "collections": [{"alias": "default", "everyone_reads": true}]}]}"#,
            to: folder.path("config.json"))
        let server = try await ServedVigil(database: database, ["--config", folder.path("config.json")])
        defer { server.stop() }
        #expect(server.scheme == "https")
        let credentials = ["VIGIL_TAXII_USER": "partner", "VIGIL_TAXII_PASSWORD": Self.password]
        let trusted = try await vigil(["taxii", "discover", "--ca-file", folder.path("server.pem"), server.discovery], environment: credentials)
        #expect(trusted.status == 0 && trusted.stdout.contains("API root https://127.0.0.1:\(server.port)/api/"), "\(trusted.stdout)\(trusted.stderr)")
        let untrusted = try await vigil(["taxii", "discover", server.discovery], environment: credentials)
        #expect(untrusted.status == 2)
        let plain = try await vigil(["taxii", "discover", "http://127.0.0.1:\(server.port)/taxii2/"], environment: credentials)
        #expect(plain.status == 2)

        let refused = try await vigil(["serve", "--db", database, "--host", "0.0.0.0", "--port", "0"])
        #expect(refused.status == 2 && refused.stderr.contains("refusing plain HTTP"), "\(refused.stderr)")
        // A client does not send a password over plain HTTP to another host.
        let leaked = try await vigil(["taxii", "discover", "http://192.0.2.1:9/taxii2/"], environment: credentials)
        #expect(leaked.status == 2 && leaked.stderr.contains("refusing to send a password over plain HTTP"), "\(leaked.stderr)")
    }

    @Test("slow clients: a head trickled byte by byte and a body trickled likewise are cut off; others are served meanwhile")
    func slowClients() async throws {
        let folder = try TemporaryFolder()
        let database = try await Self.prepare(folder, importing: nil, read: ["*"], write: ["default"])
        let server = try await ServedVigil(database: database, ["--idle-timeout", "2", "--body-deadline", "3"])
        defer { server.stop() }
        let head = "GET /taxii2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic \(Data("partner:\(Self.password)".utf8).base64EncodedString())\r\n\r\n"
        let slowHead = try RawConnection(port: server.port)
        let started = Date()
        var sent = 0
        for character in head {
            guard slowHead.send(String(character)) else { break }
            sent += 1
            if slowHead.isClosedByServer(waiting: 0.5) { break }
        }
        #expect(sent < head.count, "the whole head went through at 2 bytes a second")
        #expect(Date().timeIntervalSince(started) < 6)

        let body = "POST /api/collections/default/objects/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/taxii+json;version=2.1\r\n"
            + "Authorization: Basic \(Data("partner:\(Self.password)".utf8).base64EncodedString())\r\nContent-Length: 1000\r\n\r\n"
        let slowBody = try RawConnection(port: server.port)
        #expect(slowBody.send(body))
        let bodyStarted = Date()
        var closed = false
        while !closed && Date().timeIntervalSince(bodyStarted) < 10 {
            _ = slowBody.send("{")
            closed = slowBody.isClosedByServer(waiting: 0.5)
        }
        #expect(closed)
        #expect(Date().timeIntervalSince(bodyStarted) < 6)

        let client = try TAXIIClient(credentials: .basic(user: "partner", password: Self.password))
        let discovery = try await client.discover(server.discovery)
        await client.shutdown()
        #expect(discovery.apiRoots.count == 1)
        #expect(server.isRunning)
    }

    @Test("a 100 MB body and 10,000 failed logins: each answered, memory bounded, the server still serves")
    func floods() async throws {
        let folder = try TemporaryFolder()
        let database = try await Self.prepare(folder, importing: nil, read: ["*"], write: ["default"])
        let token = try await vigil(["users", "token", "--db", database, "partner"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServedVigil(database: database)
        defer { server.stop() }
        let client = try TAXIIClient(credentials: .token(token), attempts: 1)
        defer { Task { await client.shutdown() } }
        _ = try await client.discover(server.discovery)
        let before = server.residentKB

        let huge = [UInt8](repeating: UInt8(ascii: " "), count: 100 * 1024 * 1024)
        do {
            _ = try await client.post(server.base + "/api/collections/default/objects/", body: huge)
            Issue.record("a 100 MB body was accepted")
        } catch {
            #expect(error.status == 413, "\(error)")
        }

        let statuses = Shared<[Int: Int]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<8 {
                group.addTask {
                    let wrong = try TAXIIClient(credentials: .basic(user: "partner", password: "wrong-\(lane)"), attempts: 1)
                    for _ in 0..<1_250 {
                        do {
                            _ = try await wrong.get(server.base + "/api/collections/")
                            statuses.withLock { $0[200, default: 0] += 1 }
                        } catch let error as TAXIIClientError {
                            statuses.withLock { $0[error.status ?? 0, default: 0] += 1 }
                        }
                    }
                    await wrong.shutdown()
                }
            }
            try await group.waitForAll()
        }
        let counted = statuses.withLock { $0 }
        #expect(counted[401, default: 0] + counted[429, default: 0] == 10_000, "\(counted)")
        #expect(counted[429, default: 0] >= 9_900, "\(counted)")
        // The token still works from the throttled address; memory stayed within bounds.
        #expect(try await client.get(server.base + "/api/collections/").json.objectValue?["collections"] != nil)
        let after = server.residentKB
        #expect(after - before < 64 * 1024, "resident memory grew from \(before) kB to \(after) kB")
        #expect(server.isRunning)
    }

    @Test(
        "16 writers post 1,000 objects each while 8 readers page: every object once, no failure, no reader sees a repeat or a gap",
        arguments: databases)
    func concurrentWriters(_ kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        let database = try await Self.prepare(folder, importing: nil, read: ["*"], write: ["default"], on: kind)
        let token = try await vigil(["users", "token", "--db", database, "partner"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServedVigil(database: database)
        defer { server.stop() }
        let objects = server.base + "/api/collections/default/objects/"
        let writing = Shared(16)
        let failures = Shared(0)
        let sightings = Shared<[[Sighting]]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<16 {
                group.addTask {
                    let client = try TAXIIClient(credentials: .token(token), attempts: 1)
                    for batch in 0..<10 {
                        let envelope = (0..<100).map { item -> String in
                            let number = writer * 1_000 + batch * 100 + item
                            return (try? SharingFixture.indicator(number, tlp: .green).jsonText) ?? ""
                        }
                        do {
                            let status = try await client.post(objects, body: Array("{\"objects\":[\(envelope.joined(separator: ","))]}".utf8))
                            if status.json.objectValue?["success_count"]?.intValue != 100 { failures.withLock { $0 += 1 } }
                        } catch {
                            failures.withLock { $0 += 1 }
                        }
                    }
                    writing.withLock { $0 -= 1 }
                    await client.shutdown()
                }
            }
            for _ in 0..<8 {
                group.addTask {
                    let client = try TAXIIClient(credentials: .token(token), attempts: 1)
                    // Page through the whole collection, again and again, until the writers are done.
                    repeat {
                        var seen: [Sighting] = []
                        var next: String?
                        repeat {
                            do {
                                let page = try await client.manifest(objects: objects, limit: 137, next: next)
                                seen += page.records
                                next = page.next
                            } catch {
                                failures.withLock { $0 += 1 }
                                next = nil
                            }
                        } while next != nil
                        sightings.withLock { $0.append(seen) }
                    } while writing.withLock { $0 } > 0
                    await client.shutdown()
                }
            }
            try await group.waitForAll()
        }
        #expect(failures.withLock { $0 } == 0)
        let store = try StoreLocation(path: database).open()
        var final: [String: String] = [:]
        var query = ObjectQuery(limit: 1_000, clearance: .everything)
        while true {
            let page = try await store.page(query)
            for item in page.items { final[item.id] = item.dateAdded.timestamp.text }
            guard let next = page.next else { break }
            query.after = next
        }
        #expect(final.count == 16_000)
        let walks = sightings.withLock { $0 }
        #expect(walks.count >= 8)
        for walk in walks {
            #expect(Set(walk.map(\.id)).count == walk.count, "a reader saw an object twice")
            #expect(walk.map(\.added) == walk.map(\.added).sorted(), "a reader's pages went back in time")
            // Nothing added before the last object a reader saw is missing from what it saw.
            guard let last = walk.last?.added else { continue }
            let expected = Set(final.filter { $0.value <= last }.keys)
            #expect(Set(walk.map(\.id)) == expected, "a reader missed \(expected.subtracting(walk.map(\.id)).count) object(s)")
        }
    }
}

/// An object a reader saw, and when it was added.
struct Sighting: Sendable {
    var id: String
    var added: String
}

extension TAXIIClient {
    /// One manifest page: ids with their date added, and where the next page starts.
    func manifest(objects url: String, limit: Int, next: String?) async throws(TAXIIClientError) -> (records: [Sighting], next: String?) {
        let manifest = url.replacingOccurrences(of: "/objects/", with: "/manifest/")
        let answer = try await get(manifest + "?limit=\(limit)" + (next.map { "&next=\($0)" } ?? ""))
        let object = answer.json.objectValue ?? JSONObject()
        let records = (object["objects"]?.arrayValue ?? []).compactMap { value -> Sighting? in
            guard let record = value.objectValue, let id = record["id"]?.stringValue, let added = record["date_added"]?.stringValue else { return nil }
            return Sighting(id: id, added: added)
        }
        return (records, object["more"]?.boolValue == true ? object["next"]?.stringValue : nil)
    }
}
