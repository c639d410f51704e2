BEGIN;

ALTER TABLE customers DROP COLUMN legacy_code;
ALTER TABLE customers RENAME COLUMN fullname TO full_name;
ALTER TABLE customers ALTER COLUMN phone TYPE varchar(32);
ALTER TABLE customers ALTER COLUMN country SET NOT NULL;
ALTER TABLE customers ADD COLUMN tier text NOT NULL;

UPDATE customers SET tier = 'standard';

DELETE FROM customer_events;

CREATE INDEX CONCURRENTLY customers_tier_idx ON customers (tier);

COMMIT;
