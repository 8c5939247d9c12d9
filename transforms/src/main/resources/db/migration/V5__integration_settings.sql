-- Per-integration overrides of the delete guard (NULL = use the pipeline's --maxDeleteFraction/--deleteGuardMinRows).
CREATE TABLE integration_settings (
    integration_id      uuid PRIMARY KEY,
    max_delete_fraction double precision CHECK (max_delete_fraction BETWEEN 0 AND 1),
    delete_guard_min_rows integer CHECK (delete_guard_min_rows >= 0),
    note                text,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
