-- Rollback: check_users_status
-- Created: 2025-01-05

BEGIN;

ALTER TABLE users DROP CONSTRAINT IF EXISTS users_status_not_null;

COMMIT;
