-- Which server has a console of which agent open, refreshed by that server every few
-- seconds: every server can tell visitors whether anyone is there to answer, and a server
-- that died stops counting once its rows go stale.
CREATE TABLE agent_presence (
    agent_id  BIGINT NOT NULL REFERENCES agents(id),
    site_id   TEXT NOT NULL REFERENCES sites(id),
    server    TEXT NOT NULL,
    seen_ms   BIGINT NOT NULL,
    PRIMARY KEY (agent_id, server)
);
CREATE INDEX agent_presence_by_site ON agent_presence (site_id, seen_ms);
