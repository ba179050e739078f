-- Each conversation counts its messages, so the next number is taken by updating one row:
-- the row lock makes concurrent writers (PostgreSQL, several servers) take turns, where
-- reading MAX(seq) would let two of them pick the same number.
ALTER TABLE conversations ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET last_seq = (
    SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = conversations.id
);
