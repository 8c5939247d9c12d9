-- Records that could not be stored (rejected by validation or refused by PostgreSQL), with the reason.
-- Their stored rows, if any, are left as they were; they are never counted as deletes.
CREATE TABLE dead_letter_records (
    id             bigserial PRIMARY KEY,
    run_id         text        NOT NULL,
    integration_id uuid        NOT NULL,
    entity_type    text        NOT NULL,
    record_id      text,
    reason         text        NOT NULL,
    excerpt        text,
    failed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letter_records_integration ON dead_letter_records (integration_id, failed_at DESC);
