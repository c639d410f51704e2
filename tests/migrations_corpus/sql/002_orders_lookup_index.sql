-- Speed up the order history page.
CREATE INDEX orders_account_id_idx ON orders (account_id, created_at DESC);
