-- Owners run the shop's settings; agents answer chats. Existing accounts stay agents.
ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('owner', 'agent'));
