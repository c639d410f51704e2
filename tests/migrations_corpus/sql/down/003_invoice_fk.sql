ALTER TABLE invoices ALTER COLUMN total_cents DROP NOT NULL;
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_total_not_null;
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_account_fk;
