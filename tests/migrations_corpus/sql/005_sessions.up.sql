-- +goose Up
-- +goose NO TRANSACTION
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS sessions_user_idx ON sessions (user_id);
DROP INDEX CONCURRENTLY IF EXISTS sessions_old_idx;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS sessions_user_idx;
