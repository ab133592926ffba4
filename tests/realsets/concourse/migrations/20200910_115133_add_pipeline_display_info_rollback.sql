
  ALTER TABLE pipelines DROP COLUMN display;
