-- Migration: reset_scores
-- Created: 2025-01-15
-- Description: Reset all scores
-- Expect: whole-table-dml

BEGIN;

UPDATE users SET score = 0;

COMMIT;
