-- Migration: add_users_status
-- Created: 2025-01-05
-- Description: Expand: add users.status as nullable (metadata only, no rewrite).
-- The runbook's "add column as NULL -> backfill -> NOT NULL", one step per migration, so that no
-- step scans the table while holding a lock that blocks reads or writes.

BEGIN;

ALTER TABLE users ADD COLUMN IF NOT EXISTS status TEXT NULL;

COMMIT;
