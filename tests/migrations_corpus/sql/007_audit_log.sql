-- dbmate style migration with an in-file rollback.
-- migrate:up
CREATE TABLE IF NOT EXISTS audit_log (
    id         serial PRIMARY KEY,
    actor      varchar(64) NOT NULL,
    action     char(8) NOT NULL,
    happened   timestamp NOT NULL DEFAULT now(),
    payload    jsonb
);
-- guardians: ignore MIG305 the tool records applied versions, re-runs do not happen
CREATE INDEX audit_log_actor_idx ON audit_log (actor);
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS api_token uuid DEFAULT gen_random_uuid();

-- migrate:down
DROP TABLE audit_log;
