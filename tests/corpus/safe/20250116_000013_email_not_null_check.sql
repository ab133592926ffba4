-- Migration: email_not_null_check
-- Created: 2025-01-15
-- Description: Step 1 of NOT NULL: a NOT VALID check

BEGIN;

ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;

COMMIT;
