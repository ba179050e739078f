-- What the shop's page says about a visitor (`Pronto('identify', {name, email})`), for its
-- agents. Unverified; NULL until the page says.
ALTER TABLE visitors ADD COLUMN name TEXT;
ALTER TABLE visitors ADD COLUMN email TEXT;
-- Read receipts: the agent holding a conversation has read it up to this message number.
ALTER TABLE conversations ADD COLUMN read_seq BIGINT NOT NULL DEFAULT 0;
