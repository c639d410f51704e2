SET lock_timeout = '5s';
SET statement_timeout = '60s';
CLUSTER orders USING orders_created_idx;
