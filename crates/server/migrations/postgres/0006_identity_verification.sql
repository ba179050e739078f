-- Identity verification: a shop that signs its logged-in customers' ids with this per-site
-- secret lets Pronto join their conversations across devices. NULL: not turned on.
ALTER TABLE sites ADD COLUMN identity_secret TEXT;
-- The shop's own id for a visitor, once proven by a valid signature.
ALTER TABLE visitors ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX visitors_by_external_id ON visitors (site_id, external_id) WHERE external_id IS NOT NULL;
