-- Migration: rename_sessions
-- Created: 2025-01-15
-- Description: Clearer table name
-- Expect: renaming-table

BEGIN;

ALTER TABLE sessions RENAME TO user_sessions;

COMMIT;
