-- best effort: data dropped by the up migration cannot come back
ALTER TABLE customers RENAME COLUMN full_name TO fullname;
ALTER TABLE customers ADD COLUMN IF NOT EXISTS legacy_code text;
