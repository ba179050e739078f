-- Opening hours (honest reply times): the shop's weekly schedule in its own time zone and its
-- holidays, as the JSON of `pronto_protocol::agent::OpeningHours`, checked by the server
-- before it is written. NULL, as for every shop until its owner sets hours: always open.
ALTER TABLE sites ADD COLUMN opening_hours TEXT;
-- The conversations a site began in the last week, for its typical first reply.
CREATE INDEX conversations_by_start ON conversations (site_id, created_ms);
