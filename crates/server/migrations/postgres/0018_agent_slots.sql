-- How many chats each agent holds at once: the slots the wait estimate counts, and the
-- limit automatic assignment keeps to (an agent may still take more by hand).
ALTER TABLE agents ADD COLUMN slots BIGINT NOT NULL DEFAULT 1;
-- Whether waiting visitors are handed to the agent with a free slot and the fewest chats
-- (1) or wait for an agent to take them (0).
ALTER TABLE sites ADD COLUMN auto_assign BIGINT NOT NULL DEFAULT 0;
