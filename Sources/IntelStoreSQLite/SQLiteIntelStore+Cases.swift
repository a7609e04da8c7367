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
            let fileUnderTechnique = try db.makeStatement(sql: "INSERT INTO case_finding_technique (case_id, technique, timestamp, finding) VALUES (?, ?, ?, ?)")
            for finding in findings {
                var fields = JSONObject()
                for key in finding.fields.keys.sorted() { fields[key] = .string(finding.fields[key] ?? "") }
                try statement.execute(arguments: [
                    id, finding.timestamp, finding.computer, finding.channel, finding.eventID, finding.recordID, finding.ruleID,
                    finding.ruleTitle, finding.level, finding.techniques.joined(separator: ","), finding.tactics.joined(separator: ","),
                    finding.software.joined(separator: ","), JSONWriter().string(.object(fields)), finding.evidence,
                    finding.evidenceSHA256,
                ])
                let rowID = db.lastInsertedRowID
                for term in CaseFinding.techniqueTerms(of: finding.techniques) {
                    try fileUnderTechnique.execute(arguments: [id, term, finding.timestamp, rowID])
                }
            }
            try db.execute(sql: "UPDATE investigation SET finding_count = finding_count + ? WHERE id = ?", arguments: [findings.count, id])
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
            return try Self.readFindings(db, where: "case_id = ?", [id], fields: selection).map(\.finding)
        }
    }

    public func findings(ofCase name: String, filter: FindingFilter, after cursor: FindingCursor?, limit: Int) async throws -> FindingPage {
        try await reading("read a page of case findings") { db in
            let id = try SQLiteIntelStore.caseID(db, name)
            // A technique's pages walk its rows of `case_finding_technique` (`k`) in time order;
            // other filtered pages the narrow index of the filtered columns; cheapest tests
            // first. Tactics are stored comma-joined: a LIKE rules out most rows before one is
            // matched whole.
            var source = "case_finding f"
            var key = (time: "f.timestamp", sequence: "f.rowid")
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let technique = filter.technique {
                source = "case_finding_technique k INDEXED BY case_finding_technique_by_time JOIN case_finding f ON f.rowid = k.finding"
                key = (time: "k.timestamp", sequence: "k.finding")
                conditions = ["k.case_id = ?", "k.technique = ?"]
                arguments = [id, technique]
            } else {
                if !filter.isEmpty { source = "case_finding f INDEXED BY case_finding_filter" }
                conditions = ["f.case_id = ?"]
                arguments = [id]
            }
            if !filter.levels.isEmpty {
                let levels = filter.levels.sorted()
                let named = levels.filter { $0 != "none" }
                var alternatives: [String] = []
                if !named.isEmpty { alternatives.append("f.level IN (" + named.map { _ in "?" }.joined(separator: ", ") + ")") }
                if levels.contains("none") { alternatives.append("f.level IS NULL") }
                conditions.append("(" + alternatives.joined(separator: " OR ") + ")")
                arguments += named.map { $0 }
            }
            if let host = filter.host {
                conditions.append("f.computer = ? COLLATE NOCASE")
                arguments.append(host)
            }
            if let from = filter.from {
                conditions.append("\(key.time) >= ?")
                arguments.append(from)
            }
            if let to = filter.to {
                conditions.append("\(key.time) < ?")
                arguments.append(to)
            }
            if let tactic = filter.tactic {
                conditions.append("f.tactics LIKE ? ESCAPE '\\' AND instr(',' || f.tactics || ',', ',' || ? || ',') > 0")
                arguments += [Self.likePattern(tactic), tactic]
            }
            let condition = conditions.joined(separator: " AND ")
            let counted =
                try filter.isEmpty
                ? Int.fetchOne(db, sql: "SELECT finding_count FROM investigation WHERE id = ?", arguments: [id]) ?? 0
                : Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT 1 FROM \(source) WHERE \(condition) LIMIT \(FindingPage.countLimit + 1))",
                    arguments: StatementArguments(arguments)) ?? 0
            // The page's rows in index order (time, then as added), timed ones first: SQLite
            // stops after the page instead of sorting every finding of the case.
            let size = min(max(limit, 1), 1_000)
            var chosen: [Int64] = []
            if cursor == nil || cursor?.timestamp != nil {
                var timed = condition + " AND \(key.time) IS NOT NULL"
                var timedArguments = arguments
                if let cursor, let time = cursor.timestamp {
                    timed += " AND (\(key.time) > ? OR (\(key.time) = ? AND \(key.sequence) > ?))"
                    timedArguments += [time, time, cursor.sequence]
                }
                chosen = try Int64.fetchAll(
                    db, sql: "SELECT \(key.sequence) FROM \(source) WHERE \(timed) ORDER BY \(key.time), \(key.sequence) LIMIT \(size + 1)",
                    arguments: StatementArguments(timedArguments))
            }
            if chosen.count <= size {
                var untimed = condition + " AND \(key.time) IS NULL"
                var untimedArguments = arguments
                if let cursor, cursor.timestamp == nil {
                    untimed += " AND \(key.sequence) > ?"
                    untimedArguments.append(cursor.sequence)
                }
                chosen += try Int64.fetchAll(
                    db, sql: "SELECT \(key.sequence) FROM \(source) WHERE \(untimed) ORDER BY \(key.sequence) LIMIT \(size + 1 - chosen.count)",
                    arguments: StatementArguments(untimedArguments))
            }
            let rows = chosen.isEmpty ? [] : try Self.readFindings(db, where: "rowid IN (" + chosen.map(String.init).joined(separator: ",") + ")", [], fields: .all)
            let page = rows.prefix(size)
            let next = rows.count > size ? page.last.map { FindingCursor(timestamp: $0.finding.timestamp, sequence: $0.rowID) } : nil
            return filter.isEmpty
                ? FindingPage(findings: page.map(\.finding), next: next, total: counted)
                : FindingPage(findings: page.map(\.finding), next: next, counted: counted)
        }
    }

    /// A LIKE pattern for text containing `value` (its wildcards escaped).
    static func likePattern(_ value: String) -> String {
        "%" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    /// Findings in time order (those without a time last, then as added) with their row ids,
    /// read through the C API: a report reads every finding of a case, and GRDB's decoding by
    /// column name cost more than the query on a case of 100,000.
    static func readFindings(
        _ db: Database, where condition: String, _ arguments: [(any DatabaseValueConvertible)?], fields: FindingFieldSelection
    ) throws -> [(finding: CaseFinding, rowID: Int64)] {
        let sql = """
            SELECT timestamp, computer, channel, event_id, record_id, rule_id, rule_title, level, techniques, tactics, software,
                   fields, evidence, evidence_sha256, rowid
            FROM case_finding WHERE \(condition) ORDER BY timestamp IS NULL, timestamp, rowid
            """
        // Pages name their rows: prepared each time rather than filling the cache.
        let statement = arguments.isEmpty ? try db.makeStatement(sql: sql) : try db.cachedStatement(sql: sql)
        return try statement.mapRows(StatementArguments(arguments)) { row in
            func list(_ column: Int32) -> [String] {
                let text = row.text(column) ?? ""
                return text.isEmpty ? [] : text.split(separator: ",").map(String.init)
            }
            var values: [String: String] = [:]
            let ruleID = row.text(5)
            if fields == .all || CaseFinding.isIndicatorRule(ruleID), case .object(let object)? = try? JSONParser.parse(row.bytes(11)) {
                for (key, value) in object { values[key] = value.stringValue ?? "" }
            }
            let finding = CaseFinding(
                timestamp: row.text(0), computer: row.text(1), channel: row.text(2), eventID: row.text(3),
                recordID: row.isNull(4) ? nil : row.integer(4), ruleID: ruleID, ruleTitle: row.text(6) ?? "", level: row.text(7),
                techniques: list(8), tactics: list(9), software: list(10), fields: values,
                evidence: row.text(12) ?? "", evidenceSHA256: row.text(13) ?? "")
            return (finding, row.integer(14))
        }
    }

    public func fieldValues(ofCase name: String, keys: [String]) async throws -> [FindingFieldValue] {
        guard !keys.isEmpty else { return [] }
        return try await reading("read the values of finding fields") { db in
            let id = try SQLiteIntelStore.caseID(db, name)
            var counts: [FindingFieldValue: Int] = [:]
            // The fields are JSON text: SQLite walks them and counts, so no finding is decoded
            // here. Its JSON functions cut a value at U+0000, so the rare findings whose fields
            // have it (escaped, `\u0000`) are read whole and counted in Swift.
            let sql = """
                SELECT f.rule_title, j.key, j.value, count(*) FROM case_finding f, json_each(f.fields) j
                WHERE f.case_id = ? AND instr(f.fields, '\\u0000') = 0 AND j.key IN (\(keys.map { _ in "?" }.joined(separator: ", ")))
                  AND j.type = 'text'
                GROUP BY f.rule_title, j.key, j.value
                """
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments([id] + keys.map { $0 as any DatabaseValueConvertible })) {
                counts[FindingFieldValue(ruleTitle: row[0], key: row[1], value: row[2], count: 0), default: 0] += row[3] as Int
            }
            let withZero = "SELECT rule_title, fields FROM case_finding WHERE case_id = ? AND instr(fields, '\\u0000') > 0"
            for row in try Row.fetchAll(db, sql: withZero, arguments: [id]) {
                FindingFieldValue.tally(fieldsJSON: Array((row[1] as String).utf8), rule: row[0], keys: Set(keys), into: &counts)
            }
            return FindingFieldValue.ordered(tallies: counts)
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
