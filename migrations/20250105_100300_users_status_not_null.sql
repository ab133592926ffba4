-- Migration: users_status_not_null
-- Created: 2025-01-05
-- Description: Contract, step 2: VALIDATE scans under a lock that lets reads and writes through;
-- SET NOT NULL then uses the validated check instead of scanning under ACCESS EXCLUSIVE.

BEGIN;

ALTER TABLE users VALIDATE CONSTRAINT users_status_not_null;
ALTER TABLE users ALTER COLUMN status SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_status_not_null;

COMMIT;
