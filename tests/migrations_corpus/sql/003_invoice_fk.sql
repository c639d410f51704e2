SET lock_timeout = '3s';
SET statement_timeout = '15min';

ALTER TABLE IF EXISTS invoices
    ADD CONSTRAINT invoices_account_fk
    FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;

ALTER TABLE invoices VALIDATE CONSTRAINT invoices_account_fk;

ALTER TABLE invoices
    ADD CONSTRAINT invoices_total_not_null CHECK (total_cents IS NOT NULL) NOT VALID;
ALTER TABLE invoices VALIDATE CONSTRAINT invoices_total_not_null;
ALTER TABLE invoices ALTER COLUMN total_cents SET NOT NULL;
