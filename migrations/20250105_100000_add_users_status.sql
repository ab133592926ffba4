-- Migration: add_users_status
-- Created: 2025-01-05
-- Description: Add users.status the backward-compatible way: nullable, backfill, then NOT NULL

BEGIN;

-- Step 1: Add column as nullable
ALTER TABLE users ADD COLUMN IF NOT EXISTS status TEXT NULL;

-- Step 2: Backfill data (small table; batch this on a large one)
UPDATE users SET status = 'active' WHERE status IS NULL;

-- Step 3: Make NOT NULL (validated CHECK first, so SET NOT NULL needs no full scan under lock)
ALTER TABLE users ADD CONSTRAINT users_status_not_null CHECK (status IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_status_not_null;
ALTER TABLE users ALTER COLUMN status SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_status_not_null;

COMMIT;
