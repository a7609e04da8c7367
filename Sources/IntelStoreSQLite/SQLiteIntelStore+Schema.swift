import GRDB
import IntelStore
import STIX

extension SQLiteIntelStore {
    /// The schema's history. A migration that has landed is never edited: change the schema
    /// with a new migration appended here.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 objects, versions and lookup indexes") { db in
            // Every version of every object, as compact STIX 2.1 JSON. Rows are large, so these
            // are rowid tables (WITHOUT ROWID suits small rows only) with unique indexes.
            try db.execute(sql: """
                CREATE TABLE object_version (
                    id TEXT NOT NULL,
                    version_key TEXT NOT NULL,
                    json TEXT NOT NULL,
                    tlp INTEGER,
                    imported_at TEXT NOT NULL
                );
                CREATE UNIQUE INDEX object_version_by_id ON object_version(id, version_key);
                """)
            // The latest version of each id and what is looked up about it; relationship
            // objects also carry their type and endpoints, indexed both ways.
            try db.execute(sql: """
                CREATE TABLE object (
                    id TEXT PRIMARY KEY NOT NULL,
                    type TEXT NOT NULL,
                    version_key TEXT NOT NULL,
                    name TEXT,
                    revoked INTEGER NOT NULL,
                    deprecated INTEGER NOT NULL,
                    tlp INTEGER,
                    search_text TEXT NOT NULL,
                    relationship_type TEXT,
                    source_ref TEXT,
                    target_ref TEXT
                ) WITHOUT ROWID;
                CREATE INDEX object_by_source ON object(source_ref, relationship_type) WHERE source_ref IS NOT NULL;
                CREATE INDEX object_by_target ON object(target_ref, relationship_type) WHERE target_ref IS NOT NULL;
                CREATE TABLE object_label (
                    object_id TEXT NOT NULL,
                    label TEXT NOT NULL
                );
                CREATE INDEX object_label_by_label ON object_label(label);
                CREATE INDEX object_label_by_object ON object_label(object_id);
                CREATE TABLE external_id (
                    object_id TEXT NOT NULL,
                    source_name TEXT NOT NULL,
                    external_id TEXT NOT NULL
                );
                CREATE INDEX external_id_by_id ON external_id(external_id);
                CREATE INDEX external_id_by_object ON external_id(object_id);
                """)
        }
        migrator.registerMigration("v2 cases") { db in
            try db.execute(sql: """
                CREATE TABLE investigation (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created TEXT NOT NULL,
                    tlp INTEGER,
                    description TEXT NOT NULL
                );
                CREATE TABLE case_evidence (
                    case_id INTEGER NOT NULL REFERENCES investigation(id),
                    path TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    added TEXT NOT NULL,
                    UNIQUE (case_id, path, sha256)
                );
                CREATE TABLE case_finding (
                    case_id INTEGER NOT NULL REFERENCES investigation(id),
                    timestamp TEXT,
                    computer TEXT,
                    channel TEXT,
                    event_id TEXT,
                    record_id INTEGER,
                    rule_id TEXT,
                    rule_title TEXT NOT NULL,
                    level TEXT,
                    techniques TEXT NOT NULL,
                    tactics TEXT NOT NULL,
                    software TEXT NOT NULL,
                    fields TEXT NOT NULL,
                    evidence TEXT NOT NULL,
                    evidence_sha256 TEXT NOT NULL
                );
                CREATE INDEX case_finding_by_case ON case_finding(case_id, timestamp);
                CREATE TABLE case_note (
                    case_id INTEGER NOT NULL REFERENCES investigation(id),
                    kind TEXT NOT NULL,
                    text TEXT NOT NULL,
                    comment TEXT NOT NULL,
                    author TEXT NOT NULL,
                    at TEXT NOT NULL
                );
                CREATE INDEX case_note_by_case ON case_note(case_id);
                """)
        }
        migrator.registerMigration("v3 evidence errors") { db in
            // Evidence that could not be hashed or read is recorded with the reason.
            try db.execute(sql: "ALTER TABLE case_evidence ADD COLUMN error TEXT")
        }
        migrator.registerMigration("v4 sharing: date added, collections") { db in
            // Every version gets the instant it was added (unique, increasing: pages follow it)
            // and its type (TAXII filters by type).
            try db.execute(sql: """
                ALTER TABLE object_version ADD COLUMN added_us INTEGER;
                ALTER TABLE object_version ADD COLUMN type TEXT;
                UPDATE object_version SET type = substr(id, 1, instr(id, '--') - 1);
                """)
            // Versions stored before are dated by their import, in the order they were stored.
            var clock = DateAddedClock()
            let update = try db.makeStatement(sql: "UPDATE object_version SET added_us = ? WHERE rowid = ?")
            let rows = try Row.fetchCursor(db, sql: "SELECT rowid, imported_at FROM object_version ORDER BY rowid")
            var dated: [(Int64, Int64)] = []
            while let row = try rows.next() {
                let imported = (try? STIXTimestamp(row["imported_at"] as String)).map { DateAdded($0).microseconds } ?? 0
                dated.append((clock.next(now: imported).microseconds, row["rowid"]))
            }
            for (added, rowid) in dated { try update.execute(arguments: [added, rowid]) }
            try db.execute(sql: """
                CREATE UNIQUE INDEX object_version_by_added ON object_version(added_us);
                CREATE TABLE added_clock (last INTEGER NOT NULL);
                CREATE TABLE collection (
                    id TEXT PRIMARY KEY NOT NULL,
                    alias TEXT UNIQUE,
                    title TEXT NOT NULL,
                    description TEXT NOT NULL,
                    content TEXT NOT NULL,
                    maximum_tlp INTEGER,
                    types TEXT NOT NULL
                );
                CREATE TABLE collection_member (
                    collection_id TEXT NOT NULL REFERENCES collection(id),
                    object_id TEXT NOT NULL,
                    version_key TEXT NOT NULL,
                    added_us INTEGER NOT NULL,
                    UNIQUE (collection_id, object_id, version_key)
                );
                CREATE UNIQUE INDEX collection_member_by_added ON collection_member(collection_id, added_us);
                """)
            try db.execute(sql: "INSERT INTO added_clock (last) VALUES (?)", arguments: [clock.last])
        }
        migrator.registerMigration("v5 users, tokens, audit") { db in
            try db.execute(sql: """
                CREATE TABLE app_user (
                    name TEXT PRIMARY KEY NOT NULL,
                    password_hash TEXT,
                    clearance INTEGER NOT NULL,
                    organisation TEXT,
                    read TEXT NOT NULL,
                    write TEXT NOT NULL,
                    created TEXT NOT NULL
                );
                CREATE TABLE api_token (
                    id TEXT PRIMARY KEY NOT NULL,
                    user TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    created TEXT NOT NULL,
                    revoked TEXT
                );
                CREATE INDEX api_token_by_user ON api_token(user);
                CREATE TABLE audit (
                    time TEXT NOT NULL,
                    user TEXT,
                    address TEXT,
                    action TEXT NOT NULL,
                    collection TEXT,
                    object_ids TEXT NOT NULL,
                    decision TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX audit_by_time ON audit(time);
                CREATE TABLE sync_state (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v6 version as stated, superseded versions") { db in
            // The version text TAXII names (`modified`, else `created`, as written), so that a
            // page is served without parsing its objects; and whether a newer version of the
            // object exists, so that "the latest version" needs no subquery for most rows.
            try db.execute(sql: """
                ALTER TABLE object_version ADD COLUMN version TEXT;
                ALTER TABLE object_version ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
                UPDATE object_version SET superseded = 1
                    WHERE version_key < (SELECT o.version_key FROM object o WHERE o.id = object_version.id);
                """)
            let update = try db.makeStatement(sql: "UPDATE object_version SET version = ? WHERE rowid = ?")
            let rows = try Row.fetchCursor(db, sql: "SELECT rowid, id, json, tlp FROM object_version")
            var stated: [(String, Int64)] = []
            while let row = try rows.next() {
                if let version = try SQLiteIntelStore.decode(row).object.versionTimestamp?.text { stated.append((version, row["rowid"])) }
            }
            for (version, rowid) in stated { try update.execute(arguments: [version, rowid]) }
        }
        migrator.registerMigration("v7 findings filter index") { db in
            // The columns a page of findings is filtered on, beside the time it is ordered by:
            // counting and filtering read this narrow index, not the rows with their fields.
            try db.execute(sql: """
                CREATE INDEX case_finding_filter ON case_finding(case_id, timestamp, level, computer, tactics, techniques);
                """)
        }
        migrator.registerMigration("v8 case finding counts and lookups") { db in
            // A case's count kept beside it: the case list and unfiltered pages read it instead
            // of counting millions of rows.
            try db.execute(sql: """
                ALTER TABLE investigation ADD COLUMN finding_count INTEGER NOT NULL DEFAULT 0;
                UPDATE investigation SET finding_count = (SELECT count(*) FROM case_finding WHERE case_id = investigation.id);
                """)
        }
        migrator.registerMigration("v9 technique timelines") { db in
            // Each finding under each of its technique terms, in time order: a technique's page
            // reads its first rows whether the technique is rare or common.
            try db.execute(sql: """
                CREATE TABLE case_finding_technique (case_id INTEGER NOT NULL, technique TEXT NOT NULL, timestamp TEXT, finding INTEGER NOT NULL);
                """)
            let insert = try db.makeStatement(sql: "INSERT INTO case_finding_technique (case_id, technique, timestamp, finding) VALUES (?, ?, ?, ?)")
            let rows = try Row.fetchCursor(db, sql: "SELECT rowid, case_id, timestamp, techniques FROM case_finding")
            while let row = try rows.next() {
                let techniques: String = row["techniques"]
                for term in CaseFinding.techniqueTerms(of: techniques.split(separator: ",").map(String.init)) {
                    try insert.execute(arguments: [row["case_id"], term, row["timestamp"], row["rowid"]])
                }
            }
            try db.execute(sql: "CREATE INDEX case_finding_technique_by_time ON case_finding_technique(case_id, technique, timestamp, finding)")
        }
        return migrator
    }
}
