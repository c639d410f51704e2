-- Add a free-text note to orders. Low risk: nullable column, no rewrite.
SET lock_timeout = '2s';
SET statement_timeout = '30s';
ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;
