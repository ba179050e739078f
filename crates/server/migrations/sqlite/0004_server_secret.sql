-- The server's own secrets (the key that signs visitor tokens), made on first start so that
-- tokens stay valid across restarts when no secret is configured.
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
