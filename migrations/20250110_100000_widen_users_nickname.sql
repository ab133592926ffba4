-- Migration: widen_users_nickname
-- Created: 2025-01-10
-- Description: Change nickname's type via a new column (the runbook's "Modifying Column Type").
-- Fine for a small table in one release; on a large, busy one split it (expand, backfill in batches,
-- move the application to the new column, contract in a later release).

BEGIN;

-- Step 1: Add new column
ALTER TABLE users ADD COLUMN display_name_new TEXT;

-- Step 2: Migrate data
-- migrate-action: ignore blocking-scan, whole-table-dml
UPDATE users SET display_name_new = CAST(nickname AS TEXT);

-- Step 3: Drop old column
-- migrate-action: ignore ban-drop-column
ALTER TABLE users DROP COLUMN nickname;

-- Step 4: Rename new column
-- migrate-action: ignore renaming-column
ALTER TABLE users RENAME COLUMN display_name_new TO display_name;

COMMIT;
