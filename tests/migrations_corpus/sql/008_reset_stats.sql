-- guardians: ignore MIG104 stats are recomputed nightly from the event store
TRUNCATE daily_stats;
DROP TABLE IF EXISTS tmp_import CASCADE;
ALTER TABLE accounts ADD CONSTRAINT accounts_email_uniq UNIQUE (email);
ALTER TABLE accounts ADD PRIMARY KEY (id);
