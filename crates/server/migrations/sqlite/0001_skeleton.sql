-- The walking skeleton's schema: shops, their agents, visitors, conversations and messages.
-- Times are milliseconds since the Unix epoch.

CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    greeting    TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    site_id        TEXT NOT NULL REFERENCES sites(id),
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_ms     INTEGER NOT NULL
);

CREATE TABLE agent_sessions (
    token       TEXT PRIMARY KEY,
    agent_id    INTEGER NOT NULL REFERENCES agents(id),
    created_ms  INTEGER NOT NULL
);

CREATE TABLE visitors (
    id          INTEGER PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    token       TEXT NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL
);

CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    visitor_id  INTEGER NOT NULL REFERENCES visitors(id),
    state       TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'closed')),
    agent_id    INTEGER REFERENCES agents(id),
    created_ms  INTEGER NOT NULL,
    taken_ms    INTEGER,
    closed_ms   INTEGER
);

CREATE INDEX conversations_by_queue ON conversations (site_id, state, id);
CREATE INDEX conversations_by_visitor ON conversations (visitor_id, id);

CREATE TABLE messages (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    seq              INTEGER NOT NULL,
    author           TEXT NOT NULL CHECK (author IN ('visitor', 'agent')),
    agent_id         INTEGER REFERENCES agents(id),
    body             TEXT NOT NULL,
    sent_ms          INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
