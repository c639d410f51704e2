SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER VIEW order_totals RENAME TO customer_totals;
