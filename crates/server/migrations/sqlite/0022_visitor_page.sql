-- The storefront page the visitor was last on, as the widget said it when it connected
-- (shop_page.rs): agents see it in the queue and beside the visitor.
ALTER TABLE visitors ADD COLUMN page TEXT;
