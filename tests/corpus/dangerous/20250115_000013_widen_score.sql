-- Migration: widen_score
-- Created: 2025-01-15
-- Description: Scores outgrow integer
-- Expect: changing-column-type

BEGIN;

ALTER TABLE users ALTER COLUMN score TYPE BIGINT;

COMMIT;
