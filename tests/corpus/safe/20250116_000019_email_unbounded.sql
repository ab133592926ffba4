-- Migration: email_unbounded
-- Created: 2025-01-15
-- Description: Drop the varchar limit

BEGIN;

ALTER TABLE users ALTER COLUMN email TYPE VARCHAR;

COMMIT;
