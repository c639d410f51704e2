SET lock_timeout = '5s';
SET statement_timeout = '60s';
REINDEX INDEX orders_created_idx;
REINDEX INDEX CONCURRENTLY orders_customer_idx;
