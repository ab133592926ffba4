-- Rollback: add_users_status
-- Created: 2025-01-05

BEGIN;

ALTER TABLE users DROP COLUMN IF EXISTS status;

COMMIT;
