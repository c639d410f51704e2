SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER INDEX orders_idx RENAME TO orders_created_idx;
