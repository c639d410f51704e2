SET lock_timeout = '5s';
SET statement_timeout = '60s';
DROP TYPE IF EXISTS order_state;
