-- Migration: email_not_null_set
-- Created: 2025-01-15
-- Description: Step 2 of NOT NULL: validate, then SET NOT NULL without a scan

BEGIN;

ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_not_null;

COMMIT;
