SET lock_timeout = '5s';
SET statement_timeout = '60s';
DROP VIEW IF EXISTS order_totals;
CREATE VIEW order_totals AS
    SELECT customer_id, sum(total) FROM orders GROUP BY 1;
