-- Quick answers the owner writes in each language the shop serves; the widget offers them as
-- visitors type. Ids stay when the owner edits the list, so what is counted of them goes on;
-- `position` keeps the owner's order. (An id is never given twice, even after its answer is
-- removed: what was counted of it must not pass to another.)
CREATE TABLE quick_answers (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id   TEXT NOT NULL REFERENCES sites(id),
    lang      TEXT NOT NULL,
    question  TEXT NOT NULL,
    answer    TEXT NOT NULL,
    keywords  TEXT NOT NULL,
    position  INTEGER NOT NULL
);
CREATE INDEX quick_answers_by_site ON quick_answers (site_id, position);
-- Each time a visitor read a quick answer and said whether it solved their question (1 or
-- 0). Kept when the answer is removed: the dashboard still counts it.
CREATE TABLE answer_uses (
    site_id    TEXT NOT NULL REFERENCES sites(id),
    answer_id  INTEGER NOT NULL,
    helped     INTEGER NOT NULL,
    used_ms    INTEGER NOT NULL
);
CREATE INDEX answer_uses_by_site ON answer_uses (site_id, used_ms);
-- The visitor's rating of an ended conversation: 1 good, 0 bad, NULL not rated.
ALTER TABLE conversations ADD COLUMN rating INTEGER;
ALTER TABLE conversations ADD COLUMN rating_comment TEXT;
-- The owner's settings; NULL: the default.
ALTER TABLE sites ADD COLUMN ask_email_after_secs INTEGER;
ALTER TABLE sites ADD COLUMN reply_target_secs INTEGER;
