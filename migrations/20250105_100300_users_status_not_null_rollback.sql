-- Rollback: users_status_not_null
-- Created: 2025-01-05

BEGIN;

ALTER TABLE users ALTER COLUMN status DROP NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_status_not_null CHECK (status IS NOT NULL) NOT VALID;

COMMIT;
