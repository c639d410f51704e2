SET lock_timeout = '5s';
SET statement_timeout = '60s';
VACUUM FULL orders;
VACUUM (ANALYZE) orders;
