-- At most one run per integration at a time (streaming): the run that holds the lease writes, later jobs wait.
CREATE TABLE sync_leases (
    integration_id uuid PRIMARY KEY,
    run_id         text        NOT NULL,
    acquired_at    timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL  -- a crashed run cannot block its integration for longer than this
);
