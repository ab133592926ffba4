-- Migration: status_default
-- Created: 2025-01-15
-- Description: Default for new rows

BEGIN;

ALTER TABLE users ALTER COLUMN status SET DEFAULT 'active';

COMMIT;
