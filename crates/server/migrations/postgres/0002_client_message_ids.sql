-- Exactly-once delivery: each message keeps the id its sender's client gave it, and an id
-- is stored once, so a resend after a lost acknowledgement finds the stored message.
ALTER TABLE messages ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX messages_by_client_id ON messages (client_id) WHERE client_id IS NOT NULL;
