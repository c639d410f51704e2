-- +goose Up
SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TABLE orders DROP COLUMN IF EXISTS legacy;

-- +goose Down
ALTER TABLE orders ADD COLUMN IF NOT EXISTS legacy text;
