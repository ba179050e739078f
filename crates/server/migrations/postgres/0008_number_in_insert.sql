-- Nothing for PostgreSQL: several servers write at once, so a message takes its number by
-- updating its conversation's counter first, holding that row's lock until it commits
-- (SQLite's migration of the same number numbers messages in the INSERT instead).
SELECT 1;
