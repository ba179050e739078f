-- An agent who stepped away: their console stays open, but visitors are told nobody is
-- there to answer unless someone else is (1 away, 0 here). Kept across sign-ins.
ALTER TABLE agents ADD COLUMN away BIGINT NOT NULL DEFAULT 0;
