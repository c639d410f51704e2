SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TYPE order_state RENAME VALUE 'sent' TO 'shipped';
