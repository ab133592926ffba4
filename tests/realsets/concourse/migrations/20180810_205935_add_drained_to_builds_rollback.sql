
ALTER TABLE builds DROP COLUMN drained;

