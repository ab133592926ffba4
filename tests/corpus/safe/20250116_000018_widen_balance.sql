-- Migration: widen_balance
-- Created: 2025-01-15
-- Description: A wider numeric needs no rewrite

BEGIN;

ALTER TABLE users ALTER COLUMN balance TYPE NUMERIC(14,2);

COMMIT;
