-- Migration: widen_note
-- Created: 2025-01-15
-- Description: A longer varchar limit needs no rewrite

BEGIN;

ALTER TABLE orders ALTER COLUMN note TYPE VARCHAR(500);

COMMIT;
