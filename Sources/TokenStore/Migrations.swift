import GRDB

/// The store's schema, one migration per change; a migration, once shipped, is never edited.
///
/// Times are REAL seconds since 1970 (UTC), so `datetime(expires_at, 'unixepoch')` reads them and a restart knows
/// what expired. Tables are STRICT, so a value of the wrong type is refused instead of silently converted.
enum Migrations {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: sessions, refresh_states, leases") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sessions (
                        server TEXT NOT NULL PRIMARY KEY,
                        access_token TEXT NOT NULL,
                        token_type TEXT NOT NULL,
                        refresh_token TEXT,
                        scope TEXT,
                        issued_at REAL NOT NULL,
                        expires_at REAL,
                        refresh_token_expires_at REAL,
                        token_endpoint TEXT,
                        client_id TEXT,
                        client_secret TEXT,
                        auth_method TEXT,
                        resource TEXT,
                        updated_at REAL NOT NULL,
                        CHECK ((token_endpoint IS NULL) = (client_id IS NULL)
                            AND (token_endpoint IS NULL) = (auth_method IS NULL)
                            AND (token_endpoint IS NOT NULL OR (client_secret IS NULL AND resource IS NULL)))
                    ) STRICT;

                    CREATE TABLE refresh_states (
                        server TEXT NOT NULL PRIMARY KEY,
                        state TEXT NOT NULL,
                        retry_count INTEGER NOT NULL DEFAULT 0,
                        next_attempt REAL,
                        last_error TEXT,
                        last_result TEXT,
                        last_attempt_at REAL,
                        last_refresh_at REAL,
                        last_refresh_duration REAL
                    ) STRICT;

                    CREATE TABLE leases (
                        server TEXT NOT NULL PRIMARY KEY,
                        owner TEXT NOT NULL,
                        until REAL NOT NULL
                    ) STRICT;
                    """)
        }
        migrator.registerMigration("v2: discoveries, client_registrations, probe columns") { db in
            try db.execute(
                sql: """
                    CREATE TABLE discoveries (
                        server TEXT NOT NULL PRIMARY KEY,
                        server_url TEXT NOT NULL,
                        resource TEXT,
                        resource_metadata_url TEXT,
                        challenged_scope TEXT,
                        scopes_supported TEXT NOT NULL DEFAULT '',
                        issuer TEXT,
                        metadata_url TEXT,
                        authorization_endpoint TEXT NOT NULL,
                        token_endpoint TEXT NOT NULL,
                        registration_endpoint TEXT,
                        revocation_endpoint TEXT,
                        code_challenge_methods TEXT NOT NULL DEFAULT '',
                        discovered_at REAL NOT NULL
                    ) STRICT;

                    CREATE TABLE client_registrations (
                        server TEXT NOT NULL,
                        issuer TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        client_secret TEXT,
                        auth_method TEXT NOT NULL,
                        client_secret_expires_at REAL,
                        registered_at REAL NOT NULL,
                        PRIMARY KEY (server, issuer, redirect_uri)
                    ) STRICT;

                    ALTER TABLE refresh_states ADD COLUMN probe TEXT;
                    ALTER TABLE refresh_states ADD COLUMN probe_summary TEXT;
                    ALTER TABLE refresh_states ADD COLUMN probe_detail TEXT;
                    ALTER TABLE refresh_states ADD COLUMN probed_at REAL;
                    ALTER TABLE refresh_states ADD COLUMN rejected_by_server TEXT;
                    """)
        }
        // A lease's length on CLOCK_BOOTTIME: a wall clock set forward (or a wake that moved it) must not make a
        // live lease look expired to the other processes of the machine.
        migrator.registerMigration("v3: lease taken_boot and duration") { db in
            try db.execute(
                sql: """
                    ALTER TABLE leases ADD COLUMN taken_boot REAL;
                    ALTER TABLE leases ADD COLUMN duration REAL;
                    """)
        }
        // Leases are `flock` files now (LeaseLocks): a lease row needed the write lock, which another writer can
        // hold for seconds, and outlived a holder killed mid-refresh.
        migrator.registerMigration("v4: leases moved to lock files") { db in
            try db.execute(sql: "DROP TABLE leases")
        }
        // The scope a client registered, so that a sign-in asking for more (step-up) registers anew.
        migrator.registerMigration("v5: client registration scope") { db in
            try db.execute(sql: "ALTER TABLE client_registrations ADD COLUMN scope TEXT")
        }
        // The MCP URL a session was issued for: its token is never sent to another.
        migrator.registerMigration("v6: session server URL") { db in
            try db.execute(sql: "ALTER TABLE sessions ADD COLUMN server_url TEXT")
        }
        // Secrets are sealed (SecretSealing) from here on. The one row says where the store's key lives and holds a
        // sealed constant, so that a wrong or missing key is told apart from damage and is never silently replaced;
        // `scrub_pending` stays 1 from the transaction that sealed plaintext rows until the file has been vacuumed
        // and its WAL truncated, so a kill in between scrubs at the next opening. An older oauthtop refuses the file
        // from now on (`newerSchema`), so it does not write plaintext into it.
        migrator.registerMigration("v7: store protection") { db in
            try db.execute(
                sql: """
                    CREATE TABLE store_protection (
                        id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                        key_source TEXT NOT NULL,
                        key_check TEXT NOT NULL,
                        scrub_pending INTEGER NOT NULL DEFAULT 0
                    ) STRICT;
                    """)
        }
        return migrator
    }()

    /// Applied migrations this binary does not know: the file was written by a newer oauthtop.
    static func unknownMigrations(_ db: Database) throws -> [String] {
        try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
    }
}
