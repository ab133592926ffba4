
ALTER TABLE builds
DROP COLUMN created_by;
