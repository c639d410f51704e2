SET lock_timeout = '5s';
ALTER TABLE IF EXISTS products ADD COLUMN IF NOT EXISTS sku text;
ALTER TABLE products ADD COLUMN IF NOT EXISTS weight numeric
ALTER TABLE products ADD COLUMN IF NOT EXISTS height numeric;
ALTER TABLE IF EXISTS products DROP COLUMN IF EXISTS barcode;
