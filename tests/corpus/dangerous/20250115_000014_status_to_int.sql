-- Migration: status_to_int
-- Created: 2025-01-15
-- Description: Store status as a code
-- Expect: changing-column-type

BEGIN;

ALTER TABLE users ALTER COLUMN status TYPE INTEGER USING status::integer;

COMMIT;
