import IntelStore
import PostgresNIO
import STIX

extension PostgresIntelStore: CaseStore {
    public func createCase(_ info: CaseInfo) async throws {
        try await writing("create case") { connection in
            var created = 0
            for try await _ in try await connection.checkedQuery(
                """
                INSERT INTO investigation (name, created, tlp, description) VALUES (\(info.name), \(info.created), \(info.tlp?.rawValue),
                    \(info.description)) ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: logger)
            {
                created += 1
            }
            if created == 0 { throw IntelStoreError.caseExists(info.name) }
        }
    }

    public func caseInfo(named name: String) async throws -> CaseInfo? {
        try await reading("read case") { connection in
            try await Self.caseInfos(
                try await connection.checkedQuery("SELECT name, created, tlp, description FROM investigation WHERE name = \(name)", logger: logger)
            ).first
        }
    }

    public func cases() async throws -> [CaseInfo] {
        try await reading("list cases") { connection in
            try await Self.caseInfos(
                try await connection.checkedQuery("SELECT name, created, tlp, description FROM investigation ORDER BY name", logger: logger))
        }
    }

    static func caseInfos(_ rows: PostgresRowSequence) async throws -> [CaseInfo] {
        var result: [CaseInfo] = []
        for try await (name, created, tlp, description) in rows.decode((String, String, Int?, String).self) {
            result.append(CaseInfo(name: name, created: created, tlp: tlp.flatMap(TLPLevel.init(rawValue:)), description: description))
        }
        return result
    }

    func caseID(_ name: String, _ connection: PostgresConnection) async throws -> Int64 {
        for try await id in try await connection.checkedQuery("SELECT id FROM investigation WHERE name = \(name)", logger: logger).decode(Int64.self) {
            return id
        }
        throw IntelStoreError.noSuchCase(name)
    }

    public func addToCase(_ name: String, evidence: [CaseEvidenceFile], findings: [CaseFinding]) async throws {
        try await writing("add to case") { connection in
            let id = try await caseID(name, connection)
            if !evidence.isEmpty {
                var sql = SQLBuilder()
                let columns = [
                    sql.bind(evidence.map(\.path)), sql.bind(evidence.map(\.sha256)), sql.bind(evidence.map(\.size)),
                    sql.bind(evidence.map(\.added)), sql.bind(NullableTextArray(evidence.map(\.error))),
                ]
                try await connection.run(
                    """
                    INSERT INTO case_evidence (case_id, path, sha256, size, added, error)
                    SELECT \(id), * FROM unnest(\(columns[0])::text[], \(columns[1])::text[], \(columns[2])::bigint[], \(columns[3])::text[],
                                               \(columns[4])::text[])
                    ON CONFLICT (case_id, path, sha256) DO NOTHING
                    """, sql, logger: logger)
            }
            if !findings.isEmpty {
                try await connection.checkedQuery("UPDATE investigation SET finding_count = finding_count + \(findings.count) WHERE id = \(id)", logger: logger)
            }
            // In batches of a few thousand rows, each one statement over arrays.
            var start = 0
            while start < findings.count {
                let batch = findings[start..<min(start + 5_000, findings.count)]
                try await Self.insert(batch, case: id, connection, logger: logger)
                start += batch.count
            }
        }
    }

    private static func insert(_ findings: ArraySlice<CaseFinding>, case id: Int64, _ connection: PostgresConnection, logger: Logger) async throws {
        var sql = SQLBuilder()
        func fieldsJSON(_ finding: CaseFinding) -> String {
            var fields = JSONObject()
            for key in finding.fields.keys.sorted() { fields[key] = .string(finding.fields[key] ?? "") }
            return JSONWriter().string(.object(fields))
        }
        let columns: [(String, String)] = [
            (sql.bind(NullableTextArray(findings.map(\.timestamp))), "text"), (sql.bind(NullableTextArray(findings.map(\.computer))), "text"),
            (sql.bind(NullableTextArray(findings.map(\.channel))), "text"), (sql.bind(NullableTextArray(findings.map(\.eventID))), "text"),
            (sql.bind(NullableTextArray(findings.map { $0.recordID.map(String.init) })), "text"),
            (sql.bind(NullableTextArray(findings.map(\.ruleID))), "text"), (sql.bind(findings.map(\.ruleTitle)), "text"),
            (sql.bind(NullableTextArray(findings.map(\.level))), "text"),
            (sql.bind(findings.map { $0.techniques.joined(separator: ",") }), "text"),
            (sql.bind(findings.map { $0.tactics.joined(separator: ",") }), "text"),
            (sql.bind(findings.map { $0.software.joined(separator: ",") }), "text"), (sql.bind(findings.map(fieldsJSON)), "text"),
            (sql.bind(findings.map(\.evidence)), "text"), (sql.bind(findings.map(\.evidenceSHA256)), "text"),
        ]
        // WITH ORDINALITY keeps the order given, which `seq` records; the rows inserted are
        // filed under their technique terms in the same statement.
        try await connection.run(
            """
            WITH inserted AS (
                INSERT INTO case_finding (case_id, timestamp, computer, channel, event_id, record_id, rule_id, rule_title, level, techniques,
                                          tactics, software, fields, evidence, evidence_sha256)
                SELECT \(id), f.t, f.c, f.ch, f.e, f.r::bigint, f.ri, f.rt, f.l, f.te, f.ta, f.s, f.fi, f.ev, f.sha
                FROM unnest(\(columns.map { "\($0.0)::\($0.1)[]" }.joined(separator: ", "))) WITH ORDINALITY
                    AS f(t, c, ch, e, r, ri, rt, l, te, ta, s, fi, ev, sha, n)
                ORDER BY f.n
                RETURNING seq, timestamp, techniques)
            INSERT INTO case_finding_technique (case_id, technique, timestamp, seq)
            SELECT \(id), x.term, i.timestamp, i.seq FROM inserted i, \(techniqueTerms("i"))
            """, sql, logger: logger)
    }

    public func evidence(ofCase name: String) async throws -> [CaseEvidenceFile] {
        try await reading("read case evidence") { connection in
            let id = try await caseID(name, connection)
            var files: [CaseEvidenceFile] = []
            for try await (path, sha256, size, added, error) in try await connection.checkedQuery(
                "SELECT path, sha256, size, added, error FROM case_evidence WHERE case_id = \(id) ORDER BY added, path", logger: logger
            ).decode((String, String, Int64, String, String?).self) {
                files.append(CaseEvidenceFile(path: path, sha256: sha256, size: size, added: added, error: error))
            }
            return files
        }
    }

    public func findings(ofCase name: String, fields selection: FindingFieldSelection) async throws -> [CaseFinding] {
        try await reading("read case findings") { connection in
            let id = try await caseID(name, connection)
            var sql = SQLBuilder()
            let condition = "case_id = \(sql.bind(id))"
            return try await readFindings(connection, where: condition, sql, fields: selection).map(\.finding)
        }
    }

    public func findings(ofCase name: String, filter: FindingFilter, after cursor: FindingCursor?, limit: Int) async throws -> FindingPage {
        try await snapshot("read a page of case findings") { connection in
            let id = try await caseID(name, connection)
            var sql = SQLBuilder()
            let caseParameter = sql.bind(id)
            // A technique's pages walk its rows of `case_finding_technique` (`k`) in time order;
            // other pages walk the findings (`f`) themselves.
            var source = "case_finding f"
            var key = "f"
            var conditions = ["f.case_id = \(caseParameter)"]
            if let technique = filter.technique {
                source = "case_finding_technique k JOIN case_finding f ON f.seq = k.seq"
                key = "k"
                conditions = ["k.case_id = \(caseParameter)", "k.technique = \(sql.bind(technique))"]
            }
            if !filter.levels.isEmpty {
                let levels = filter.levels.sorted()
                let named = levels.filter { $0 != "none" }
                var alternatives: [String] = []
                if !named.isEmpty { alternatives.append("f.level = ANY(\(sql.bind(named))::text[])") }
                if levels.contains("none") { alternatives.append("f.level IS NULL") }
                conditions.append("(" + alternatives.joined(separator: " OR ") + ")")
            }
            if let host = filter.host { conditions.append("lower(f.computer) = lower(\(sql.bind(host)))") }
            if let from = filter.from { conditions.append("\(key).timestamp >= \(sql.bind(from))") }
            if let to = filter.to { conditions.append("\(key).timestamp < \(sql.bind(to))") }
            // Tactics are stored comma-joined: one matches an element whole.
            if let tactic = filter.tactic { conditions.append("strpos(',' || f.tactics || ',', ',' || \(sql.bind(tactic)) || ',') > 0") }
            let condition = conditions.joined(separator: " AND ")
            let count =
                filter.isEmpty
                ? "SELECT finding_count FROM investigation WHERE id = \(caseParameter)"
                : "SELECT count(*) FROM (SELECT 1 FROM \(source) WHERE \(condition) LIMIT \(FindingPage.countLimit + 1)) AS selected"
            var counted = 0
            for try await value in try await connection.checkedQuery(sql.query(count), logger: logger).decode(Int.self) { counted = value }
            // Timed findings in time order first, then those without a time as added.
            let size = min(max(limit, 1), 1_000)
            var chosen: [Int64] = []
            if cursor == nil || cursor?.timestamp != nil {
                var timed = sql
                var clause = condition + " AND \(key).timestamp IS NOT NULL"
                if let cursor, let time = cursor.timestamp {
                    let at = timed.bind(time)
                    clause += " AND (\(key).timestamp > \(at) OR (\(key).timestamp = \(at) AND \(key).seq > \(timed.bind(cursor.sequence))))"
                }
                chosen = try await seqs(
                    connection, timed.query("SELECT \(key).seq FROM \(source) WHERE \(clause) ORDER BY \(key).timestamp, \(key).seq LIMIT \(size + 1)"))
            }
            if chosen.count <= size {
                var untimed = sql
                var clause = condition + " AND \(key).timestamp IS NULL"
                if let cursor, cursor.timestamp == nil { clause += " AND \(key).seq > \(untimed.bind(cursor.sequence))" }
                chosen += try await seqs(
                    connection, untimed.query("SELECT \(key).seq FROM \(source) WHERE \(clause) ORDER BY \(key).seq LIMIT \(size + 1 - chosen.count)"))
            }
            var rowsSQL = SQLBuilder()
            let rows = chosen.isEmpty ? [] : try await readFindings(connection, where: "seq = ANY(\(rowsSQL.bind(chosen))::bigint[])", rowsSQL, fields: .all)
            let page = rows.prefix(size)
            let next = rows.count > size ? page.last.map { FindingCursor(timestamp: $0.finding.timestamp, sequence: $0.seq) } : nil
            return filter.isEmpty
                ? FindingPage(findings: page.map(\.finding), next: next, total: counted)
                : FindingPage(findings: page.map(\.finding), next: next, counted: counted)
        }
    }

    private func seqs(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [Int64] {
        var result: [Int64] = []
        for try await seq in try await connection.checkedQuery(query, logger: logger).decode(Int64.self) { result.append(seq) }
        return result
    }

    /// Findings in time order (those without a time last, then as added) with their `seq`.
    private func readFindings(
        _ connection: PostgresConnection, where condition: String, _ sql: SQLBuilder, fields: FindingFieldSelection
    ) async throws -> [(finding: CaseFinding, seq: Int64)] {
        let statement = """
            SELECT timestamp, computer, channel, event_id, record_id, rule_id, rule_title, level, techniques, tactics, software,
                   fields, evidence, evidence_sha256, seq
            FROM case_finding WHERE \(condition) ORDER BY timestamp IS NULL, timestamp, seq
            """
        var result: [(finding: CaseFinding, seq: Int64)] = []
        for try await row in try await connection.checkedQuery(sql.query(statement), logger: logger) {
            let (timestamp, computer, channel, eventID, recordID, ruleID, ruleTitle, level, techniques, tactics, software, fieldsText, evidence, sha, seq) =
                try row.decode((String?, String?, String?, String?, Int64?, String?, String, String?, String, String, String, String, String, String, Int64).self)
            func list(_ text: String) -> [String] { text.isEmpty ? [] : text.split(separator: ",").map(String.init) }
            var values: [String: String] = [:]
            if fields == .all || CaseFinding.isIndicatorRule(ruleID), case .object(let object)? = try? JSONParser.parse(Array(fieldsText.utf8)) {
                for (key, value) in object { values[key] = value.stringValue ?? "" }
            }
            let finding = CaseFinding(
                timestamp: timestamp, computer: computer, channel: channel, eventID: eventID, recordID: recordID, ruleID: ruleID,
                ruleTitle: ruleTitle, level: level, techniques: list(techniques), tactics: list(tactics), software: list(software),
                fields: values, evidence: evidence, evidenceSHA256: sha)
            result.append((finding, seq))
        }
        return result
    }

    public func fieldValues(ofCase name: String, keys: [String]) async throws -> [FindingFieldValue] {
        guard !keys.isEmpty else { return [] }
        return try await reading("read the values of finding fields") { connection in
            let id = try await caseID(name, connection)
            var counts: [FindingFieldValue: Int] = [:]
            // The fields are JSON text: the server walks them and counts, so no finding crosses
            // the wire. jsonb cannot hold U+0000, so the rare findings whose fields have it
            // (escaped, `\u0000`) are read whole and counted here.
            var sql = SQLBuilder()
            let statement = """
                SELECT f.rule_title, e.key, e.value, count(*) FROM case_finding f CROSS JOIN LATERAL jsonb_each_text(f.fields::jsonb) e
                WHERE f.case_id = \(sql.bind(id)) AND strpos(f.fields, '\\u0000') = 0 AND e.key = ANY(\(sql.bind(keys))::text[])
                  AND e.value IS NOT NULL
                GROUP BY f.rule_title, e.key, e.value
                """
            for try await (rule, key, value, count) in try await connection.checkedQuery(sql.query(statement), logger: logger)
                .decode((String, String, String, Int64).self)
            {
                counts[FindingFieldValue(ruleTitle: rule, key: key, value: value, count: 0), default: 0] += Int(count)
            }
            var rowsSQL = SQLBuilder()
            let withZero = "SELECT rule_title, fields FROM case_finding WHERE case_id = \(rowsSQL.bind(id)) AND strpos(fields, '\\u0000') > 0"
            for try await (rule, fields) in try await connection.checkedQuery(rowsSQL.query(withZero), logger: logger).decode((String, String).self) {
                FindingFieldValue.tally(fieldsJSON: Array(fields.utf8), rule: rule, keys: Set(keys), into: &counts)
            }
            return FindingFieldValue.ordered(tallies: counts)
        }
    }

    public func addNote(_ note: CaseNote, toCase name: String) async throws {
        try await writing("add note") { connection in
            let id = try await caseID(name, connection)
            try await connection.checkedQuery(
                """
                INSERT INTO case_note (case_id, kind, text, comment, author, at)
                VALUES (\(id), \(note.kind.rawValue), \(note.text), \(note.comment), \(note.author), \(note.at))
                """, logger: logger)
        }
    }

    public func notes(ofCase name: String) async throws -> [CaseNote] {
        try await reading("read notes") { connection in
            let id = try await caseID(name, connection)
            var notes: [CaseNote] = []
            for try await (kind, text, comment, author, at) in try await connection.checkedQuery(
                "SELECT kind, text, comment, author, at FROM case_note WHERE case_id = \(id) ORDER BY at, seq", logger: logger
            ).decode((String, String, String, String, String).self) {
                notes.append(CaseNote(kind: CaseNote.Kind(rawValue: kind) ?? .note, text: text, comment: comment, author: author, at: at))
            }
            return notes
        }
    }
}
