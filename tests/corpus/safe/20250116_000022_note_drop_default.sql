-- Migration: note_drop_default
-- Created: 2025-01-15
-- Description: No default for note

BEGIN;

ALTER TABLE orders ALTER COLUMN note DROP DEFAULT;

COMMIT;
