import GRDB
import IntelStore
import STIX

extension SQLiteIntelStore: CaseStore {
    public func createCase(_ info: CaseInfo) async throws {
        try await writing("create case") { db in
            if try Int.fetchOne(db, sql: "SELECT id FROM investigation WHERE name = ?", arguments: [info.name]) != nil {
                throw IntelStoreError.caseExists(info.name)
            }
            try db.execute(
                sql: "INSERT INTO investigation (name, created, tlp, description) VALUES (?, ?, ?, ?)",
                arguments: [info.name, info.created, info.tlp?.rawValue, info.description])
        }
    }

    public func caseInfo(named name: String) async throws -> CaseInfo? {
        try await reading("read case") { db in
            try Row.fetchOne(db, sql: "SELECT name, created, tlp, description FROM investigation WHERE name = ?", arguments: [name])
                .map(SQLiteIntelStore.caseInfo)
        }
    }

    public func cases() async throws -> [CaseInfo] {
        try await reading("list cases") { db in
            try Row.fetchAll(db, sql: "SELECT name, created, tlp, description FROM investigation ORDER BY name").map(SQLiteIntelStore.caseInfo)
        }
    }

    public func addToCase(_ name: String, evidence: [CaseEvidenceFile], findings: [CaseFinding]) async throws {
        try await writing("add to case") { db in
            let id = try SQLiteIntelStore.caseID(db, name)
            for file in evidence {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO case_evidence (case_id, path, sha256, size, added, error) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [id, file.path, file.sha256, file.size, file.added, file.error])
            }
            let statement = try db.makeStatement(sql: """
                INSERT INTO case_finding (case_id, timestamp, computer, channel, event_id, record_id, rule_id, rule_title,
                    level, techniques, tactics, software, fields, evidence, evidence_sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for finding in findings {
                var fields = JSONObject()
                for key in finding.fields.keys.sorted() { fields[key] = .string(finding.fields[key] ?? "") }
                try statement.execute(arguments: [
                    id, finding.timestamp, finding.computer, finding.channel, finding.eventID, finding.recordID, finding.ruleID,
                    finding.ruleTitle, finding.level, finding.techniques.joined(separator: ","), finding.tactics.joined(separator: ","),
                    finding.software.joined(separator: ","), JSONWriter().string(.object(fields)), finding.evidence,
                    finding.evidenceSHA256,
                ])
            }
        }
    }

    public func evidence(ofCase name: String) async throws -> [CaseEvidenceFile] {
        try await reading("read case evidence") { db in
            let id = try SQLiteIntelStore.caseID(db, name)
            return try Row.fetchAll(
                db, sql: "SELECT path, sha256, size, added, error FROM case_evidence WHERE case_id = ? ORDER BY added, path", arguments: [id]
            ).map { CaseEvidenceFile(path: $0["path"], sha256: $0["sha256"], size: $0["size"], added: $0["added"], error: $0["error"]) }
        }
    }

    public func findings(ofCase name: String, fields selection: FindingFieldSelection) async throws -> [CaseFinding] {
        try await reading("read case findings") { db in
            let id = try SQLiteIntelStore.caseID(db, name)
            // Read through the C API: a report reads every finding of a case, and GRDB's
            // decoding by column name cost more than the query on a case of 100,000.
            let statement = try db.cachedStatement(sql: """
                SELECT timestamp, computer, channel, event_id, record_id, rule_id, rule_title, level, techniques, tactics, software,
                       fields, evidence, evidence_sha256
                FROM case_finding WHERE case_id = ? ORDER BY timestamp IS NULL, timestamp, rowid
                """)
            return try statement.mapRows([id]) { row in
                func list(_ column: Int32) -> [String] {
                    let text = row.text(column) ?? ""
                    return text.isEmpty ? [] : text.split(separator: ",").map(String.init)
                }
                var fields: [String: String] = [:]
                let ruleID = row.text(5)
                if selection == .all || ruleID?.hasPrefix("indicator--") == true, case .object(let object)? = try? JSONParser.parse(row.bytes(11)) {
                    for (key, value) in object { fields[key] = value.stringValue ?? "" }
                }
                return CaseFinding(
                    timestamp: row.text(0), computer: row.text(1), channel: row.text(2), eventID: row.text(3),
                    recordID: row.isNull(4) ? nil : row.integer(4), ruleID: ruleID, ruleTitle: row.text(6) ?? "", level: row.text(7),
                    techniques: list(8), tactics: list(9), software: list(10), fields: fields,
                    evidence: row.text(12) ?? "", evidenceSHA256: row.text(13) ?? "")
            }
        }
    }

    public func addNote(_ note: CaseNote, toCase name: String) async throws {
        try await writing("add note") { db in
            let id = try SQLiteIntelStore.caseID(db, name)
            try db.execute(
                sql: "INSERT INTO case_note (case_id, kind, text, comment, author, at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, note.kind.rawValue, note.text, note.comment, note.author, note.at])
        }
    }

    public func notes(ofCase name: String) async throws -> [CaseNote] {
        try await reading("read notes") { db in
            let id = try SQLiteIntelStore.caseID(db, name)
            return try Row.fetchAll(
                db, sql: "SELECT kind, text, comment, author, at FROM case_note WHERE case_id = ? ORDER BY at, rowid", arguments: [id]
            ).map { row in
                CaseNote(
                    kind: CaseNote.Kind(rawValue: row["kind"]) ?? .note, text: row["text"], comment: row["comment"],
                    author: row["author"], at: row["at"])
            }
        }
    }

    static func caseID(_ db: Database, _ name: String) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM investigation WHERE name = ?", arguments: [name]) else {
            throw IntelStoreError.noSuchCase(name)
        }
        return id
    }

    static func caseInfo(_ row: Row) -> CaseInfo {
        let tlp: Int? = row["tlp"]
        return CaseInfo(name: row["name"], created: row["created"], tlp: tlp.flatMap(TLPLevel.init(rawValue:)), description: row["description"])
    }
}
