-- Migration: drop_email_not_null
-- Created: 2025-01-15
-- Description: Email is required
-- Expect: set-not-null

BEGIN;

ALTER TABLE users ALTER COLUMN email SET NOT NULL;

COMMIT;
