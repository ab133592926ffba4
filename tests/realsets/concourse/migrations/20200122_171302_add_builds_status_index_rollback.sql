
DROP INDEX builds_job_id_succeeded_idx;

