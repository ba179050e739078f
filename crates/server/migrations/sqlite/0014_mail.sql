-- E-mail to visitors who left: the last message number already e-mailed to the visitor (or
-- that needs no e-mail). Conversations that existed before count as done.
ALTER TABLE conversations ADD COLUMN mailed_seq BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET mailed_seq = last_seq;
-- The e-mail round looks for these every second; usually there are none.
CREATE INDEX conversations_unmailed ON conversations (id) WHERE last_seq > mailed_seq;
