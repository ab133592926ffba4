-- Migration: purge_sessions
-- Created: 2025-01-15
-- Description: Purge sessions
-- Expect: whole-table-dml

BEGIN;

DELETE FROM sessions;

COMMIT;
