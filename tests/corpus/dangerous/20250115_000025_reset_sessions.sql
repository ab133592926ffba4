-- Migration: reset_sessions
-- Created: 2025-01-15
-- Description: Clear sessions
-- Expect: truncate-cascade

BEGIN;

TRUNCATE sessions CASCADE;

COMMIT;
