-- Migration: name_to_text
-- Created: 2025-01-15
-- Description: varchar to text is binary-coercible

BEGIN;

ALTER TABLE users ALTER COLUMN name TYPE TEXT;

COMMIT;
