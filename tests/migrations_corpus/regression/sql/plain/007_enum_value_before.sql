SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TYPE order_state ADD VALUE 'held' BEFORE 'shipped';
ALTER TYPE order_state ADD VALUE 'lost';
