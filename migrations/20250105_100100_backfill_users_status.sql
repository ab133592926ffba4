-- Migration: backfill_users_status
-- Created: 2025-01-05
-- Description: Backfill users.status. users is small; on a large table, backfill in batches
-- (WHERE id BETWEEN x AND y), each in its own transaction.

BEGIN;

-- migrate-action: ignore whole-table-dml
UPDATE users SET status = 'active' WHERE status IS NULL;

COMMIT;
