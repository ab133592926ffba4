
DROP INDEX parent_job_id;

