SET lock_timeout = '5s';
SET statement_timeout = '60s';
DROP VIEW IF EXISTS order_totals;
