-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_note_idx ON orders (note);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS orders_note_idx;
