-- Internal notes: what agents write beside a conversation for each other, never for the
-- visitor (so never in `messages`, which visitors read). Each keeps the id its console gave
-- it, stored once, and goes after message number `after_seq`.
CREATE TABLE notes (
    id               BIGSERIAL PRIMARY KEY,
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id),
    agent_id         BIGINT NOT NULL REFERENCES agents(id),
    client_id        TEXT NOT NULL UNIQUE,
    body             TEXT NOT NULL,
    after_seq        BIGINT NOT NULL,
    sent_ms          BIGINT NOT NULL
);
CREATE INDEX notes_by_conversation ON notes (conversation_id, id);
