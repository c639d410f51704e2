SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TABLE orders_id_seq RENAME TO purchases_id_seq;
