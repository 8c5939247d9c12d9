-- roster-sync: requires-drain: a unique index the previous build's plain INSERT can violate on a retried bundle; duplicates folded first
-- One dead-letter row per (run, integration, type, record): a retried work item inserts nothing twice.
-- Rows stored twice by earlier versions are folded into the oldest first.
DELETE FROM dead_letter_records d
 USING dead_letter_records k
 WHERE d.run_id = k.run_id AND d.integration_id = k.integration_id AND d.entity_type = k.entity_type
   AND coalesce(d.record_id, '') = coalesce(k.record_id, '') AND d.id > k.id;
CREATE UNIQUE INDEX dead_letter_records_once
    ON dead_letter_records (run_id, integration_id, entity_type, (coalesce(record_id, '')));
