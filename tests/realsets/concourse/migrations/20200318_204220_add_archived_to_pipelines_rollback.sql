
ALTER TABLE pipelines
  DROP COLUMN IF EXISTS "archived";

