import IntelStore
import PostgresNIO

extension PostgresIntelStore {
    /// The schema's history, named like the SQLite store's migrations so that a store of
    /// either kind says how far it is. A migration that has landed is never edited: change the
    /// schema with a new one appended here. Each is a list of statements (the extended query
    /// protocol takes one at a time), run in one transaction with its record.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "v1 objects, versions and lookup indexes",
            [
                // Text that is ordered or compared by range (version keys, times, names) is
                // collated bytewise, as in SQLite, whatever the database's locale.
                // Every version of every object: its JSON as written (served and hashed as is)
                // and as JSONB for queries in the server; JSONB cannot hold \u0000, so such
                // rare objects keep only their text.
                """
                CREATE TABLE object_version (
                    id text NOT NULL, version_key text COLLATE "C" NOT NULL, json text NOT NULL, doc jsonb, tlp bigint,
                    imported_at text NOT NULL, PRIMARY KEY (id, version_key))
                """,
                """
                CREATE TABLE object (
                    id text PRIMARY KEY, type text NOT NULL, version_key text COLLATE "C" NOT NULL, name text, revoked boolean NOT NULL,
                    deprecated boolean NOT NULL, tlp bigint, search_text text NOT NULL, relationship_type text,
                    source_ref text, target_ref text)
                """,
                "CREATE INDEX object_by_type ON object(type)",
                "CREATE INDEX object_by_source ON object(source_ref, relationship_type) WHERE source_ref IS NOT NULL",
                "CREATE INDEX object_by_target ON object(target_ref, relationship_type) WHERE target_ref IS NOT NULL",
                "CREATE INDEX object_by_relationship_type ON object(relationship_type) WHERE relationship_type IS NOT NULL",
                "CREATE TABLE object_label (object_id text NOT NULL, label text NOT NULL)",
                "CREATE INDEX object_label_by_label ON object_label(label)",
                "CREATE INDEX object_label_by_object ON object_label(object_id)",
                "CREATE TABLE external_id (object_id text NOT NULL, source_name text NOT NULL, external_id text NOT NULL)",
                "CREATE INDEX external_id_by_id ON external_id(external_id)",
                "CREATE INDEX external_id_by_object ON external_id(object_id)",
            ]
        ),
        (
            "v2 cases",
            [
                "CREATE TABLE investigation (id bigserial PRIMARY KEY, name text COLLATE \"C\" NOT NULL UNIQUE, created text NOT NULL, tlp bigint, description text NOT NULL)",
                """
                CREATE TABLE case_evidence (
                    case_id bigint NOT NULL REFERENCES investigation(id), path text COLLATE "C" NOT NULL, sha256 text NOT NULL,
                    size bigint NOT NULL, added text COLLATE "C" NOT NULL, UNIQUE (case_id, path, sha256))
                """,
                // Findings grow to tens of millions of rows per deployment: `seq` orders them as
                // added (SQLite's rowid), the indexes serve a case's timeline, its rules and filters.
                """
                CREATE TABLE case_finding (
                    seq bigserial PRIMARY KEY, case_id bigint NOT NULL REFERENCES investigation(id), timestamp text COLLATE "C",
                    computer text, channel text, event_id text, record_id bigint, rule_id text, rule_title text NOT NULL,
                    level text, techniques text NOT NULL, tactics text NOT NULL, software text NOT NULL, fields text NOT NULL,
                    evidence text NOT NULL, evidence_sha256 text NOT NULL)
                """,
                "CREATE INDEX case_finding_by_case ON case_finding(case_id, timestamp, seq)",
                "CREATE INDEX case_finding_by_rule ON case_finding(case_id, rule_id)",
                """
                CREATE TABLE case_note (
                    seq bigserial PRIMARY KEY, case_id bigint NOT NULL REFERENCES investigation(id), kind text NOT NULL,
                    text text NOT NULL, comment text NOT NULL, author text NOT NULL, at text COLLATE "C" NOT NULL)
                """,
                "CREATE INDEX case_note_by_case ON case_note(case_id)",
            ]
        ),
        ("v3 evidence errors", ["ALTER TABLE case_evidence ADD COLUMN error text"]),
        (
            "v4 sharing: date added, collections",
            [
                "ALTER TABLE object_version ADD COLUMN added_us bigint NOT NULL",
                "ALTER TABLE object_version ADD COLUMN type text NOT NULL",
                "CREATE UNIQUE INDEX object_version_by_added ON object_version(added_us)",
                "CREATE INDEX object_version_by_type ON object_version(type, added_us)",
                // One row: the last date added handed out. Writers lock it first (see the store).
                "CREATE TABLE added_clock (last bigint NOT NULL)",
                "INSERT INTO added_clock (last) VALUES (0)",
                """
                CREATE TABLE collection (
                    id text COLLATE "C" PRIMARY KEY, alias text UNIQUE, title text COLLATE "C" NOT NULL, description text NOT NULL,
                    content text NOT NULL, maximum_tlp bigint, types text NOT NULL)
                """,
                """
                CREATE TABLE collection_member (
                    collection_id text NOT NULL REFERENCES collection(id), object_id text NOT NULL,
                    version_key text COLLATE "C" NOT NULL, added_us bigint NOT NULL, UNIQUE (collection_id, object_id, version_key))
                """,
                "CREATE UNIQUE INDEX collection_member_by_added ON collection_member(collection_id, added_us)",
            ]
        ),
        (
            "v5 users, tokens, audit",
            [
                """
                CREATE TABLE app_user (
                    name text COLLATE "C" PRIMARY KEY, password_hash text, clearance bigint NOT NULL, organisation text,
                    read text NOT NULL, write text NOT NULL, created text NOT NULL)
                """,
                """
                CREATE TABLE api_token (
                    seq bigserial, id text PRIMARY KEY, user_name text NOT NULL, secret_hash text NOT NULL,
                    created text NOT NULL, revoked text)
                """,
                "CREATE INDEX api_token_by_user ON api_token(user_name)",
                """
                CREATE TABLE audit (
                    seq bigserial PRIMARY KEY, time text COLLATE "C" NOT NULL, user_name text, address text, action text NOT NULL,
                    collection text, object_ids text NOT NULL, decision text NOT NULL, detail text NOT NULL)
                """,
                "CREATE INDEX audit_by_time ON audit(time)",
                "CREATE TABLE sync_state (key text PRIMARY KEY, value text NOT NULL)",
            ]
        ),
        (
            "v6 version as stated, superseded versions",
            [
                "ALTER TABLE object_version ADD COLUMN version text",
                "ALTER TABLE object_version ADD COLUMN superseded boolean NOT NULL DEFAULT false",
            ]
        ),
        (
            "v7 findings filter index",
            ["CREATE INDEX case_finding_filter ON case_finding(case_id, timestamp, level, computer, tactics, techniques)"]
        ),
        (
            "v8 case finding counts and lookups",
            [
                // A case's count kept beside it: the case list and unfiltered pages read it
                // instead of counting millions of rows.
                "ALTER TABLE investigation ADD COLUMN finding_count bigint NOT NULL DEFAULT 0",
                "UPDATE investigation SET finding_count = (SELECT count(*) FROM case_finding WHERE case_id = investigation.id)",
                // A finding's techniques and their parents (the part before the dot), for the
                // technique filter: a rare technique is found without reading the whole case.
                "CREATE INDEX case_finding_by_technique ON case_finding USING gin (\(ginTechniqueTerms))",
                // A host's timeline, in time order.
                "CREATE INDEX case_finding_by_host ON case_finding(case_id, lower(computer), timestamp, seq)",
            ]
        ),
        (
            "v9 technique timelines",
            [
                // Each finding under each of its technique terms, in time order: a technique's
                // page reads its first rows whether the technique is rare or common (the GIN
                // index left the choice to statistics that miss rare techniques).
                """
                CREATE TABLE case_finding_technique (
                    case_id bigint NOT NULL, technique text COLLATE "C" NOT NULL, timestamp text COLLATE "C", seq bigint NOT NULL)
                """,
                "INSERT INTO case_finding_technique (case_id, technique, timestamp, seq) SELECT f.case_id, x.term, f.timestamp, f.seq FROM case_finding f, \(techniqueTerms("f"))",
                "CREATE INDEX case_finding_technique_by_time ON case_finding_technique(case_id, technique, timestamp, seq)",
                "DROP INDEX case_finding_by_technique",
            ]
        ),
    ]

    /// The terms of v8's GIN index over findings (v9 replaced it with a table).
    static let ginTechniqueTerms = #"string_to_array(techniques || ',' || regexp_replace(techniques, '\.[^,]*', '', 'g'), ',')"#

    /// A lateral subquery `x(term)`: the technique terms of the finding row `alias` (as
    /// `CaseFinding.techniqueTerms(of:)`: each technique and the part before its first dot, once).
    static func techniqueTerms(_ alias: String) -> String {
        """
        LATERAL (SELECT DISTINCT v.term FROM unnest(string_to_array(\(alias).techniques, ',')) AS e,
            LATERAL (VALUES (e), (split_part(e, '.', 1))) AS v(term) WHERE v.term <> '') AS x
        """
    }

    /// Applies the migrations not yet recorded, each in a transaction; an advisory lock keeps
    /// two processes starting at once from both migrating.
    static func migrate(_ settings: PostgresSettings, logger: Logger) async throws {
        let connection = try await settings.connect(logger: logger)
        do {
            try await migrate(connection, schema: settings.schema, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func migrate(_ connection: PostgresConnection, schema: String, logger: Logger) async throws {
        try await transaction(on: connection, logger: logger) { connection in
            try await connection.checkedQuery("SELECT pg_advisory_xact_lock(7368545)", logger: logger)
            try await connection.checkedQuery(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
            try await connection.checkedQuery(
                "CREATE TABLE IF NOT EXISTS vigil_migration (name text PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())", logger: logger)
        }
        for migration in migrations {
            try await transaction(on: connection, logger: logger) { connection in
                try await connection.checkedQuery("SELECT pg_advisory_xact_lock(7368545)", logger: logger)
                let done = try await connection.checkedQuery(
                    "SELECT 1 FROM vigil_migration WHERE name = \(migration.name)", logger: logger
                ).collect()
                guard done.isEmpty else { return }
                for statement in migration.statements {
                    try await connection.checkedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.checkedQuery("INSERT INTO vigil_migration (name) VALUES (\(migration.name))", logger: logger)
            }
        }
    }
}
