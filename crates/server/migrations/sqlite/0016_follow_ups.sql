-- A conversation an agent marked to follow up on: the day (YYYY-MM-DD in the shop's time
-- zone) and who marked it. NULL: no mark. Following up takes the mark off.
ALTER TABLE conversations ADD COLUMN follow_up_on TEXT;
ALTER TABLE conversations ADD COLUMN follow_up_by INTEGER REFERENCES agents(id);
CREATE INDEX conversations_by_follow_up ON conversations (site_id, follow_up_on);
