DROP INDEX IF EXISTS jobs_priority_scheduled;
