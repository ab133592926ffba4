-- Rollback: backfill_users_status
-- Created: 2025-01-05
-- The backfilled values are dropped with the column by add_users_status's rollback; nothing else
-- to undo, but a rollback must run a statement, so clear what this migration wrote.

BEGIN;

UPDATE users SET status = NULL WHERE status = 'active';

COMMIT;
