import PostgresNIO

/// The tables hashscan keeps in PostgreSQL, created when missing (docs/operations-postgres.md shows the same DDL).
/// Creation is idempotent and serialised by an advisory lock, so many workers starting at once do not race.
package enum PostgresSchema {
    package static let statements: [String] = [
        // One row per (file, list entry) hit; the key makes every insert idempotent across retries and re-runs.
        """
        CREATE TABLE IF NOT EXISTS hashscan_takedown (
            idempotency_key text PRIMARY KEY,
            scan_id         text NOT NULL,
            path            text NOT NULL,
            path_base64     text,
            locator         text,
            list            text NOT NULL,
            list_version    text,
            entry           text NOT NULL,
            category        text,
            algorithm       text NOT NULL,
            distance        integer NOT NULL,
            record          jsonb NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX IF NOT EXISTS hashscan_takedown_scan ON hashscan_takedown (scan_id, created_at)",
        // One row per batch of files; `attempts` counts claims and fences a worker whose lease was taken over.
        """
        CREATE TABLE IF NOT EXISTS hashscan_batches (
            id          bigserial PRIMARY KEY,
            scan_id     text NOT NULL,
            status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'done', 'failed')),
            files       text[] NOT NULL,
            file_count  integer NOT NULL,
            attempts    integer NOT NULL DEFAULT 0,
            worker      text,
            lease_until timestamptz,
            created_at  timestamptz NOT NULL DEFAULT now(),
            claimed_at  timestamptz,
            finished_at timestamptz,
            error       text
        )
        """,
        "CREATE INDEX IF NOT EXISTS hashscan_batches_open ON hashscan_batches (id) WHERE status IN ('pending', 'claimed')",
        "CREATE INDEX IF NOT EXISTS hashscan_batches_scan ON hashscan_batches (scan_id, status)",
        // One row per file of a finished batch: its record exactly as `scan` writes it (a clean file gets a `file` record).
        """
        CREATE TABLE IF NOT EXISTS hashscan_results (
            batch_id   bigint NOT NULL REFERENCES hashscan_batches (id) ON DELETE CASCADE,
            file_index integer NOT NULL,
            scan_id    text NOT NULL,
            path       text NOT NULL,
            kind       text NOT NULL CHECK (kind IN ('file', 'match', 'error')),
            record     jsonb NOT NULL,
            worker     text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (batch_id, file_index)
        )
        """,
        "CREATE INDEX IF NOT EXISTS hashscan_results_scan ON hashscan_results (scan_id, kind)",
    ]

    /// Every relation the statements create.
    static let relations = ["hashscan_takedown", "hashscan_takedown_scan", "hashscan_batches", "hashscan_batches_open",
                            "hashscan_batches_scan", "hashscan_results", "hashscan_results_scan"]

    /// Creates whatever is missing.
    package static func create(on session: PostgresSession) throws(PostgresFailure) {
        do {
            // Even when the table exists, CREATE INDEX IF NOT EXISTS takes a lock on it that can deadlock with
            // workers committing batches: when everything is there (the usual case), no DDL runs at all.
            let missing = try session.query("SELECT count(*)::bigint FROM unnest(\(relations)::text[]) AS name WHERE to_regclass(name) IS NULL")
            if let row = missing.rows.first, try row.decode(Int.self) == 0 { return }
            try session.transaction { transaction in
                // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalogue; one creator at a time.
                try transaction.query("SELECT pg_advisory_xact_lock(7260914522)")
                for statement in statements { try transaction.query(PostgresQuery(unsafeSQL: statement)) }
            }
        } catch {
            throw PostgresFailure("cannot create the hashscan tables", error)
        }
    }
}
