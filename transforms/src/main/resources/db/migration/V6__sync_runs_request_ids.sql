-- Every request a run serves: waiting streaming jobs are merged into one run (AdmitRuns), so one run can answer
-- several requests. request_id keeps the first one for existing readers. Additive: old rows stay NULL.
ALTER TABLE sync_runs ADD COLUMN request_ids text[];
