-- Every synced entity lives in one table partitioned by entity type, so the pipeline reads and writes all nine
-- types with the same statements, and each type is still its own physical table (entities_people, ...).
CREATE TABLE roster_entities (
    entity_type    text        NOT NULL,
    integration_id uuid        NOT NULL,
    id             uuid        NOT NULL,
    hash           bytea       NOT NULL,  -- SHA-256 of the canonical JSON
    data           jsonb       NOT NULL,
    synced_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz,           -- set by --deleteMode=soft
    -- INCLUDE (hash) makes the (id, hash) read of one integration's type an index-only range scan.
    CONSTRAINT roster_entities_pk PRIMARY KEY (entity_type, integration_id, id) INCLUDE (hash)
) PARTITION BY LIST (entity_type);

CREATE TABLE entities_districts   PARTITION OF roster_entities FOR VALUES IN ('districts');
CREATE TABLE entities_schools     PARTITION OF roster_entities FOR VALUES IN ('schools');
CREATE TABLE entities_sessions    PARTITION OF roster_entities FOR VALUES IN ('sessions');
CREATE TABLE entities_courses     PARTITION OF roster_entities FOR VALUES IN ('courses');
CREATE TABLE entities_people      PARTITION OF roster_entities FOR VALUES IN ('people');
CREATE TABLE entities_classes     PARTITION OF roster_entities FOR VALUES IN ('classes');
CREATE TABLE entities_sections    PARTITION OF roster_entities FOR VALUES IN ('sections');
CREATE TABLE entities_enrollments PARTITION OF roster_entities FOR VALUES IN ('enrollments');
CREATE TABLE entities_agents      PARTITION OF roster_entities FOR VALUES IN ('agents');

-- Per-integration sync bookkeeping: the change gate reads it before every scheduled run.
CREATE TABLE sync_state (
    integration_id         uuid PRIMARY KEY,
    newest_event_id        uuid,         -- newest Edlink event seen before the last successful full sync
    last_full_sync_at      timestamptz,  -- start of the last successful full sync
    last_result            text,         -- status of the last run that was not skipped
    last_run_id            text,
    last_gate_decision     text,         -- full | skip, with the reason in last_gate_reason
    last_gate_reason       text,
    last_gate_at           timestamptz,
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- One row per run per integration.
CREATE TABLE sync_runs (
    run_id         text        NOT NULL,
    integration_id uuid        NOT NULL,
    request_id     text,
    mode           text        NOT NULL,  -- auto | full
    status         text        NOT NULL,  -- succeeded | partial | failed | held | skipped
    gate_decision  text,
    gate_reason    text,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL,
    counts         jsonb       NOT NULL DEFAULT '{}'::jsonb,  -- per type: fetched, created, updated, deleted, ...
    error          text,
    PRIMARY KEY (run_id, integration_id)
);
CREATE INDEX sync_runs_integration_started ON sync_runs (integration_id, started_at DESC);
