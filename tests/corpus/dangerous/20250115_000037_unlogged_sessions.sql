-- Migration: unlogged_sessions
-- Created: 2025-01-15
-- Description: Faster sessions
-- Expect: blocking-rewrite

BEGIN;

ALTER TABLE sessions SET UNLOGGED;

COMMIT;
