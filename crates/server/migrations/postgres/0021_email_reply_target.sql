-- Whether the conversation's first reply reached the visitor by e-mail (1: they had left
-- before it came) rather than in the widget (0). The dashboard measures those first replies
-- against the e-mail target instead of the live chat's.
ALTER TABLE conversations ADD COLUMN reply_mailed BIGINT NOT NULL DEFAULT 0;
-- The first-reply target for replies that go by e-mail, in seconds; NULL is the default
-- (three hours).
ALTER TABLE sites ADD COLUMN email_reply_target_secs BIGINT;
