-- Migration: unique_user_email
-- Created: 2025-01-15
-- Description: One account per email
-- Expect: disallowed-unique-constraint

BEGIN;

ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

COMMIT;
