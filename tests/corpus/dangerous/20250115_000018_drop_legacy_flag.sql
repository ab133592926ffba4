-- Migration: drop_legacy_flag
-- Created: 2025-01-15
-- Description: Remove unused flag
-- Expect: ban-drop-column

BEGIN;

ALTER TABLE users DROP COLUMN IF EXISTS legacy_flag;

COMMIT;
