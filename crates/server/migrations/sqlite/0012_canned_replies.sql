-- Canned replies: what the owner wrote once for the whole team, called up in the console's
-- reply box by `/shortcut`. `position` keeps the owner's order.
CREATE TABLE canned_replies (
    site_id   TEXT NOT NULL REFERENCES sites(id),
    shortcut  TEXT NOT NULL,
    body      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (site_id, shortcut)
);
