-- The storefront origins allowed to open visitor sockets for a site, separated by spaces.
-- An entry may leave the port open (`https://shop.example:*`). The server's own origin is
-- always allowed. Empty: only the server's own pages.
ALTER TABLE sites ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '';
