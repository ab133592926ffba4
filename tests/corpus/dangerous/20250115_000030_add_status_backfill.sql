-- Migration: add_status_backfill
-- Created: 2025-01-15
-- Description: Runbook pattern: add, backfill, NOT NULL in one transaction
-- Expect: blocking-scan, whole-table-dml, set-not-null

BEGIN;

-- Step 1: Add column as nullable
ALTER TABLE users ADD COLUMN plan TEXT NULL;

-- Step 2: Backfill data
UPDATE users SET plan = 'free' WHERE plan IS NULL;

-- Step 3: Make NOT NULL
ALTER TABLE users ALTER COLUMN plan SET NOT NULL;

COMMIT;
