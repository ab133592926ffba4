-- Migration: shrink_email
-- Created: 2025-01-15
-- Description: Shorter emails
-- Expect: changing-column-type

BEGIN;

ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(100);

COMMIT;
